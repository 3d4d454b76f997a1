import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { queryRows, type ClickHouse } from '../src/index.ts';
import { createEventWriter } from '../src/writer.ts';
import { withOwnStore } from './fixtures/migrate.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
let ch: ClickHouse;
const root = withOwnStore('kill', (opened) => (ch = opened));

/** Runs the appending child until it has acknowledged `atLeast` appends, then SIGKILLs it. */
function appendThenKill(dir: string, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // node itself with tsx's loader: the tsx CLI would run the script in a grandchild that a kill misses.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/append-child.ts'), dir], {
      cwd: path.resolve(here, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = 0;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const match = /^acked (\d+)$/.exec(line);
        if (match) acked = Math.max(acked, Number(match[1]));
      }
      if (acked >= atLeast && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      // The appender itself is dead: its lock is stale and nothing appends after this point.
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('durability across SIGKILL', () => {
  it('every append acknowledged before the kill is in calls after reopening the log', async () => {
    const dir = path.join(root, 'log');
    const acked = await appendThenKill(dir, 400);
    expect(acked).toBeGreaterThanOrEqual(400);

    const writer = await createEventWriter({ ch, dir });
    const rows = await queryRows<{ acked: string; all: string }>(
      ch,
      `SELECT countIf(toUInt32(substring(name, 5)) < {n:UInt32}) AS acked, count() AS all
       FROM calls FINAL WHERE project_id = 'p-kill'`,
      { tag: 'test', params: { n: acked } },
    );
    expect(Number(rows[0]!.acked)).toBe(acked * 5);
    // Appends that were written but not yet acknowledged may be there too, never half of one.
    expect(Number(rows[0]!.all) % 5).toBe(0);
    await writer.close();
  });
});
