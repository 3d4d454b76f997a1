import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type MarginConfig } from '../src/index.ts';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function configFor(dataDir: string, env: Record<string, string> = {}): MarginConfig {
  return loadConfig({ MARGIN_DATA_DIR: dataDir, ...env });
}
