// The MARGIN_INIT_* headless set-up: read (and refused, if partial) before any store opens, applied
// idempotently on every start once the stores are migrated.
import { ensureInitialSetup, readInitialSetup, type InitialSetup } from '@margin/db';
import { ConfigError, type MarginConfig, type Stores } from '@margin/runtime';

export function readInitVariables(config: MarginConfig): InitialSetup | null {
  const initVars = Object.fromEntries(Object.entries(config.env).filter(([name]) => name.startsWith('MARGIN_INIT_')));
  const read = readInitialSetup(initVars as Record<string, string | undefined>);
  if (!read.ok) throw new ConfigError(read.error);
  return read.init;
}

export async function runInitialSetup(stores: Stores, init: InitialSetup | null): Promise<void> {
  if (init) await ensureInitialSetup(stores.db, init);
}
