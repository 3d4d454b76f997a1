// Headless set-up from MARGIN_INIT_* variables: the owner, org, project and key pair they name exist
// after every start, created once and then found again (CONTRACT.md, "Start-up").
import type { Db } from './client.ts';
import { Role } from './generated/prisma/client.ts';
import { PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX, displaySecretKey, hashPassword, hashSecretKey, verifyPassword } from './keys.ts';

export interface InitialSetup {
  orgName: string;
  projectName: string;
  publicKey: string;
  secretKey: string;
  userEmail: string;
  userPassword: string;
}

export interface InitialSetupResult {
  userId: string;
  orgId: string;
  projectId: string;
  apiKeyId: string;
  /** What this call created or changed, e.g. `['user', 'org']`; empty when everything was in place. */
  changed: string[];
}

/** Each field and the variable that sets it. */
export const INIT_ENV_VARS = {
  orgName: 'MARGIN_INIT_ORG_NAME',
  projectName: 'MARGIN_INIT_PROJECT_NAME',
  publicKey: 'MARGIN_INIT_PROJECT_PUBLIC_KEY',
  secretKey: 'MARGIN_INIT_PROJECT_SECRET_KEY',
  userEmail: 'MARGIN_INIT_USER_EMAIL',
  userPassword: 'MARGIN_INIT_USER_PASSWORD',
} as const satisfies Record<keyof InitialSetup, string>;

export const MIN_INIT_PASSWORD_LENGTH = 8;

export type ReadInitialSetupResult = { ok: true; init: InitialSetup | null } | { ok: false; error: string };

/** Reads MARGIN_INIT_* from an env-like object: all set, none set (`init: null`), or an error naming what is missing. */
export function readInitialSetup(env: Record<string, string | undefined>): ReadInitialSetupResult {
  const fields = Object.entries(INIT_ENV_VARS) as [keyof InitialSetup, string][];
  const value = (name: string) => env[name]?.trim() ?? '';
  const missing = fields.filter(([, name]) => value(name) === '').map(([, name]) => name);
  if (missing.length === fields.length) return { ok: true, init: null };
  if (missing.length > 0) {
    return {
      ok: false,
      error: `Headless set-up needs all MARGIN_INIT_* variables; missing: ${missing.join(', ')}. Set them, or unset all of them.`,
    };
  }
  const init = Object.fromEntries(fields.map(([field, name]) => [field, value(name)])) as unknown as InitialSetup;
  const problem = validateInitialSetup(init);
  return problem ? { ok: false, error: problem } : { ok: true, init };
}

const KEY_BODY = /^[A-Za-z0-9_-]+$/;

/** The first thing wrong with `init`, said in terms of its variable, or null. */
export function validateInitialSetup(init: InitialSetup): string | null {
  const { publicKey, secretKey, userEmail, userPassword } = INIT_ENV_VARS;
  if (!init.publicKey.startsWith(PUBLIC_KEY_PREFIX) || !KEY_BODY.test(init.publicKey.slice(PUBLIC_KEY_PREFIX.length))) {
    return `${publicKey} must start with "${PUBLIC_KEY_PREFIX}" followed by letters, digits, "-" or "_"`;
  }
  if (!init.secretKey.startsWith(SECRET_KEY_PREFIX) || !KEY_BODY.test(init.secretKey.slice(SECRET_KEY_PREFIX.length))) {
    return `${secretKey} must start with "${SECRET_KEY_PREFIX}" followed by letters, digits, "-" or "_"`;
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(init.userEmail)) return `${userEmail} must be an email address`;
  if (init.userPassword.length < MIN_INIT_PASSWORD_LENGTH) {
    return `${userPassword} must be at least ${MIN_INIT_PASSWORD_LENGTH} characters`;
  }
  if (!init.orgName.trim()) return `${INIT_ENV_VARS.orgName} must not be empty`;
  if (!init.projectName.trim()) return `${INIT_ENV_VARS.projectName} must not be empty`;
  return null;
}

// Serialises set-up across processes that start at once against one Postgres server.
const INIT_LOCK_KEY = 72707370;

/** Creates what is missing of the user (owner), org, membership, project and API key; changes nothing when all exist. */
export async function ensureInitialSetup(db: Db, init: InitialSetup): Promise<InitialSetupResult> {
  const problem = validateInitialSetup(init);
  if (problem) throw new Error(problem);
  const email = init.userEmail.toLowerCase();
  const hashedSecretKey = hashSecretKey(init.secretKey);

  // scrypt takes tens of milliseconds: do it before the transaction, and only when needed.
  const existingUser = await db.prisma.user.findUnique({ where: { email } });
  const passwordMatches = existingUser?.passwordHash != null && (await verifyPassword(init.userPassword, existingUser.passwordHash));
  const newPasswordHash = passwordMatches ? null : await hashPassword(init.userPassword);

  return db.prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${INIT_LOCK_KEY})`);
      const changed: string[] = [];

      let user = await tx.user.findUnique({ where: { email } });
      if (!user) {
        user = await tx.user.create({ data: { email, passwordHash: newPasswordHash ?? (await hashPassword(init.userPassword)) } });
        changed.push('user');
      } else if (newPasswordHash) {
        // The variables are the declared state: a changed MARGIN_INIT_USER_PASSWORD resets the password.
        user = await tx.user.update({ where: { id: user.id }, data: { passwordHash: newPasswordHash } });
        changed.push('user password');
      }

      let org = await tx.organization.findFirst({
        where: { name: init.orgName, memberships: { some: { userId: user.id, role: Role.OWNER } } },
        orderBy: { createdAt: 'asc' },
      });
      if (!org) {
        org = await tx.organization.create({ data: { name: init.orgName } });
        changed.push('org');
      }

      const membership = await tx.membership.findUnique({ where: { orgId_userId: { orgId: org.id, userId: user.id } } });
      if (!membership) {
        await tx.membership.create({ data: { orgId: org.id, userId: user.id, role: Role.OWNER } });
        changed.push('membership');
      } else if (membership.role !== Role.OWNER) {
        await tx.membership.update({ where: { id: membership.id }, data: { role: Role.OWNER } });
        changed.push('membership role');
      }

      let project = await tx.project.findFirst({
        where: { orgId: org.id, name: init.projectName },
        orderBy: { createdAt: 'asc' },
      });
      if (!project) {
        project = await tx.project.create({ data: { orgId: org.id, name: init.projectName } });
        changed.push('project');
      }

      let apiKey = await tx.apiKey.findUnique({ where: { publicKey: init.publicKey } });
      if (apiKey && apiKey.projectId !== project.id) {
        throw new Error(`${INIT_ENV_VARS.publicKey} ${init.publicKey} already belongs to another project`);
      }
      const sameSecret = await tx.apiKey.findUnique({ where: { hashedSecretKey } });
      if (sameSecret && sameSecret.publicKey !== init.publicKey) {
        throw new Error(`${INIT_ENV_VARS.secretKey} is already the secret of another key (${sameSecret.publicKey})`);
      }
      if (!apiKey) {
        apiKey = await tx.apiKey.create({
          data: {
            projectId: project.id,
            publicKey: init.publicKey,
            hashedSecretKey,
            displaySecretKey: displaySecretKey(init.secretKey),
            note: 'Created from MARGIN_INIT_* variables',
          },
        });
        changed.push('api key');
      } else if (apiKey.hashedSecretKey !== hashedSecretKey) {
        apiKey = await tx.apiKey.update({
          where: { id: apiKey.id },
          data: { hashedSecretKey, displaySecretKey: displaySecretKey(init.secretKey) },
        });
        changed.push('api key secret');
      }

      return { userId: user.id, orgId: org.id, projectId: project.id, apiKeyId: apiKey.id, changed };
      // Replicas starting together queue on the lock: give them longer than Prisma's 5 s default.
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}
