// What a start does after migrating: the MARGIN_INIT_* set-up (idempotent on every start).
import { ensureInitialSetup } from '@margin/db';
import { initialSetupFrom, type MarginConfig, type Stores } from '@margin/runtime';

export async function runInitialSetup(stores: Stores, config: MarginConfig): Promise<void> {
  const init = initialSetupFrom(config.env);
  if (init) await ensureInitialSetup(stores.db, init);
}
