// Headless set-up on a migrated PGlite store: created once, found again, nothing duplicated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../src/client.ts';
import { ensureInitialSetup, readInitialSetup, type InitialSetup } from '../src/init.ts';
import { generateKeyPair, hashSecretKey, verifyPassword } from '../src/keys.ts';
import { migrateDb } from '../src/migrate.ts';

let db: Db;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-init-'));
  db = await createDb({ pgliteDir: dir });
  await migrateDb(db);
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function counts() {
  const p = db.prisma;
  return {
    users: await p.user.count(),
    orgs: await p.organization.count(),
    memberships: await p.membership.count(),
    projects: await p.project.count(),
    apiKeys: await p.apiKey.count(),
  };
}

function setup(overrides: Partial<InitialSetup> = {}): InitialSetup {
  const { publicKey, secretKey } = generateKeyPair();
  return {
    orgName: 'Acme',
    projectName: 'Checkout bot',
    publicKey,
    secretKey,
    userEmail: `owner-${publicKey.slice(-6)}@example.com`,
    userPassword: 'correct horse battery',
    ...overrides,
  };
}

describe('ensureInitialSetup', () => {
  it('creates the owner, org, project and hashed key once, and changes nothing the second time', async () => {
    const init = setup();
    const before = await counts();

    const first = await ensureInitialSetup(db, init);
    const afterFirst = await counts();
    const second = await ensureInitialSetup(db, init);
    const afterSecond = await counts();

    expect(afterFirst).toEqual({
      users: before.users + 1,
      orgs: before.orgs + 1,
      memberships: before.memberships + 1,
      projects: before.projects + 1,
      apiKeys: before.apiKeys + 1,
    });
    expect(first.changed).toEqual(['user', 'org', 'membership', 'project', 'api key']);
    expect(afterSecond).toEqual(afterFirst);
    expect(second.changed).toEqual([]);
    expect({ ...second, changed: [] }).toEqual({ ...first, changed: [] });

    const key = await db.prisma.apiKey.findUnique({ where: { hashedSecretKey: hashSecretKey(init.secretKey) } });
    expect(key).toMatchObject({ id: first.apiKeyId, projectId: first.projectId, publicKey: init.publicKey });
    expect(JSON.stringify(key)).not.toContain(init.secretKey);
    const membership = await db.prisma.membership.findFirstOrThrow({ where: { userId: first.userId } });
    expect(membership).toMatchObject({ orgId: first.orgId, role: 'OWNER' });
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: first.userId } });
    expect(user.passwordHash).not.toContain(init.userPassword);
    expect(await verifyPassword(init.userPassword, user.passwordHash!)).toBe(true);
  });

  it('takes a changed secret or password from the variables without new rows', async () => {
    const init = setup();
    const first = await ensureInitialSetup(db, init);
    const before = await counts();
    const rotated = { ...init, secretKey: generateKeyPair().secretKey, userPassword: 'a brand new password' };

    const again = await ensureInitialSetup(db, rotated);

    expect(await counts()).toEqual(before);
    expect(again.changed).toEqual(['user password', 'api key secret']);
    expect(again.apiKeyId).toBe(first.apiKeyId);
    const key = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: first.apiKeyId } });
    expect(key.hashedSecretKey).toBe(hashSecretKey(rotated.secretKey));
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: first.userId } });
    expect(await verifyPassword('a brand new password', user.passwordHash!)).toBe(true);
  });

  it('refuses keys without their prefixes, and a public key of another project', async () => {
    await expect(ensureInitialSetup(db, setup({ publicKey: 'pk-lf-123' }))).rejects.toThrow(
      /MARGIN_INIT_PROJECT_PUBLIC_KEY must start with "pk-mg-"/,
    );
    await expect(ensureInitialSetup(db, setup({ secretKey: 'secret' }))).rejects.toThrow(
      /MARGIN_INIT_PROJECT_SECRET_KEY must start with "sk-mg-"/,
    );
    const init = setup();
    await ensureInitialSetup(db, init);
    const before = await counts();
    await expect(ensureInitialSetup(db, { ...init, projectName: 'Another project' })).rejects.toThrow(/already belongs to another project/);
    expect(await counts()).toEqual(before);
  });
});

describe('readInitialSetup', () => {
  const full = {
    MARGIN_INIT_ORG_NAME: 'Acme',
    MARGIN_INIT_PROJECT_NAME: 'Bot',
    MARGIN_INIT_PROJECT_PUBLIC_KEY: 'pk-mg-public',
    MARGIN_INIT_PROJECT_SECRET_KEY: 'sk-mg-secret',
    MARGIN_INIT_USER_EMAIL: 'a@b.co',
    MARGIN_INIT_USER_PASSWORD: 'password1',
  };

  it('returns null when no variable is set', () => {
    expect(readInitialSetup({ PATH: '/bin', MARGIN_INIT_ORG_NAME: '' })).toEqual({ ok: true, init: null });
  });

  it('returns the set-up when all are set', () => {
    expect(readInitialSetup(full)).toEqual({
      ok: true,
      init: {
        orgName: 'Acme',
        projectName: 'Bot',
        publicKey: 'pk-mg-public',
        secretKey: 'sk-mg-secret',
        userEmail: 'a@b.co',
        userPassword: 'password1',
      },
    });
  });

  it('names every missing variable when only some are set', () => {
    const { MARGIN_INIT_USER_PASSWORD, MARGIN_INIT_PROJECT_SECRET_KEY, ...partial } = full;
    const result = readInitialSetup(partial);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/missing: MARGIN_INIT_PROJECT_SECRET_KEY, MARGIN_INIT_USER_PASSWORD/);
  });

  it('says which variable is malformed', () => {
    expect(readInitialSetup({ ...full, MARGIN_INIT_PROJECT_SECRET_KEY: 'sk-lf-x' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^MARGIN_INIT_PROJECT_SECRET_KEY must start with "sk-mg-"/),
    });
    expect(readInitialSetup({ ...full, MARGIN_INIT_USER_PASSWORD: 'short' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^MARGIN_INIT_USER_PASSWORD must be at least 8 characters/),
    });
  });
});
