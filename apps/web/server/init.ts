// What a start does after migrating: the MARGIN_INIT_* set-up (idempotent on every start).
import { ensureInitialSetup, readInitialSetup } from '@margin/db';
import { ConfigError, type MarginConfig, type Stores } from '@margin/runtime';

export async function runInitialSetup(stores: Stores, config: MarginConfig): Promise<void> {
  const initVars = Object.fromEntries(Object.entries(config.env).filter(([name]) => name.startsWith('MARGIN_INIT_')));
  const read = readInitialSetup(initVars as Record<string, string | undefined>);
  if (!read.ok) throw new ConfigError(read.error);
  if (read.init) await ensureInitialSetup(stores.db, read.init);
}
