// `npm start`: builds the dashboard when no build exists yet (or its sources are newer), then runs
// the server. Plain Node so it works before anything is built.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'apps/web');
const buildId = path.join(web, '.next/BUILD_ID');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

// chDB holds a libuv pool thread per queued statement: with the default 4, queued dashboard queries
// could starve the ingestion log's fdatasync. Node reads this once, at start.
const env = { UV_THREADPOOL_SIZE: '64', ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const sources = ['apps/web', 'packages'].map((dir) => newestMtime(path.join(root, dir)));
const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
if (built < Math.max(...sources)) {
  console.log(built ? 'margin: sources changed, rebuilding the dashboard…' : 'margin: first start, building the dashboard (about a minute)…');
  const build = spawnSync('npx', ['next', 'build'], { cwd: web, stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// The server runs from the directory npm start was run in, so a relative MARGIN_DATA_DIR means
// what the user meant. Signals are passed on so Ctrl-C and SIGTERM shut it down cleanly.
const server = spawn(process.execPath, ['--import', 'tsx', path.join(web, 'server.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...env, NODE_ENV: 'production' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
