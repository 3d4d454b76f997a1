// A fresh embedded start offers a demo project, so a new user sees a live dashboard at once. Offered
// once per data directory (a marker file), so a demo project someone deleted stays deleted. Its
// traffic loads in the background after the port opens.
import fs from 'node:fs';
import path from 'node:path';
import { ensureDemoProject } from '@margin/analytics';
import type { MarginConfig, Stores } from '@margin/runtime';
import { ensureDemoViewer } from './auth.ts';

export async function offerDemoProject(stores: Stores, config: MarginConfig): Promise<void> {
  if (config.env.MARGIN_DEMO === 'off' || !config.embedded) return;
  const marker = path.join(config.dataDir, 'demo-offered');
  if (fs.existsSync(marker)) return;
  const demo = await ensureDemoProject({ db: stores.db, ch: stores.ch, background: true });
  await ensureDemoViewer(stores.db, demo.projectId);
  fs.writeFileSync(marker, new Date().toISOString());
  const started = Date.now();
  demo.loading.then(
    (result) => result && console.log(`margin: demo project loaded (${result.calls.toLocaleString('en-US')} calls in ${Date.now() - started} ms)`),
    (error: unknown) => console.error('margin: demo project failed to load:', error),
  );
}
