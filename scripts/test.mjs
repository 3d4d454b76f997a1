// `npm test`: the whole suite as CI runs it. Builds the dashboard (the start-up and browser tests
// run the real server), runs every Vitest project, then the Playwright browser tests, and ends with
// one summary line: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const run = (command, args, options = {}) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options }).status ?? 1;

console.log('== building the dashboard');
if (run('npx', ['next', 'build'], { cwd: path.join(root, 'apps/web') }) !== 0) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}

const vitestReport = path.join(root, '.vitest-report.json');
const playwrightReport = path.join(root, 'test-results/playwright.json');
fs.rmSync(vitestReport, { force: true });
fs.rmSync(playwrightReport, { force: true });

console.log('== unit and integration tests (Vitest)');
const vitestStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]);

console.log('== browser tests (Playwright)');
const playwrightStatus = run('npx', ['playwright', 'test', '-c', 'apps/web/playwright.config.ts'], {
  env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport },
});

let passed = 0;
let failed = 0;
if (fs.existsSync(vitestReport)) {
  const report = JSON.parse(fs.readFileSync(vitestReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTestSuites > 0 && report.success === false && report.numFailedTests === 0 ? 1 : 0);
} else failed += 1;
if (fs.existsSync(playwrightReport)) {
  const stats = JSON.parse(fs.readFileSync(playwrightReport, 'utf8')).stats;
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
} else failed += 1;
if (vitestStatus !== 0 && failed === 0) failed = 1;
if (playwrightStatus !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
