// MARGIN_INIT_*: a headless set-up, applied idempotently on every start. Org, project and both keys
// go together; the owner's email and password go together and are optional.
import type { MarginEnv } from './env.ts';
import { ConfigError } from './env.ts';

export interface InitialSetup {
  orgName: string;
  projectName: string;
  publicKey: string;
  secretKey: string;
  userEmail?: string | undefined;
  userPassword?: string | undefined;
}

const PROJECT_VARS = [
  'MARGIN_INIT_ORG_NAME',
  'MARGIN_INIT_PROJECT_NAME',
  'MARGIN_INIT_PROJECT_PUBLIC_KEY',
  'MARGIN_INIT_PROJECT_SECRET_KEY',
] as const;
const USER_VARS = ['MARGIN_INIT_USER_EMAIL', 'MARGIN_INIT_USER_PASSWORD'] as const;

export function initialSetupFrom(env: MarginEnv): InitialSetup | null {
  const given = [...PROJECT_VARS, ...USER_VARS].filter((name) => env[name] !== undefined);
  if (given.length === 0) return null;
  const missing = PROJECT_VARS.filter((name) => env[name] === undefined);
  if (missing.length > 0) throw new ConfigError(`${missing[0]} is not set: the MARGIN_INIT_* variables go together (${given.join(', ')} set)`);
  const userGiven = USER_VARS.filter((name) => env[name] !== undefined);
  if (userGiven.length === 1) {
    throw new ConfigError(`${USER_VARS.find((name) => env[name] === undefined)} is not set: the init user needs an email and a password`);
  }
  if (!env.MARGIN_INIT_PROJECT_PUBLIC_KEY!.startsWith('pk-mg-')) throw new ConfigError('MARGIN_INIT_PROJECT_PUBLIC_KEY must start with pk-mg-');
  if (!env.MARGIN_INIT_PROJECT_SECRET_KEY!.startsWith('sk-mg-')) throw new ConfigError('MARGIN_INIT_PROJECT_SECRET_KEY must start with sk-mg-');
  return {
    orgName: env.MARGIN_INIT_ORG_NAME!,
    projectName: env.MARGIN_INIT_PROJECT_NAME!,
    publicKey: env.MARGIN_INIT_PROJECT_PUBLIC_KEY!,
    secretKey: env.MARGIN_INIT_PROJECT_SECRET_KEY!,
    userEmail: env.MARGIN_INIT_USER_EMAIL,
    userPassword: env.MARGIN_INIT_USER_PASSWORD,
  };
}
