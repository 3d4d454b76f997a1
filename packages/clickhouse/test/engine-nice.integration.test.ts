import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, ENGINE_NICE, queryRows, type ClickHouse } from '../src/index.ts';

/** ClickHouse sets a thread's nice value only with CAP_SYS_NICE (bit 23 of the effective set). */
const canNice = (() => {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'));
  return line !== undefined && (BigInt(`0x${line.split(/\s+/)[1]}`) & (1n << 23n)) !== 0n;
})();

/** This process's threads: name, state (R: running or runnable) and nice value. */
function threads(): { name: string; state: string; nice: number }[] {
  return fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), state: fields[0]!, nice: Number(fields[16]) };
  });
}

/** The nice values of the threads running a statement that keeps the engine busy (idle pool threads keep the last value they ran at). */
async function niceDuring(ch: ClickHouse, settings: Record<string, number> = {}): Promise<number[]> {
  const running = queryRows(ch, 'SELECT sum(sipHash64(number)) AS s FROM numbers(80000000)', { tag: 'test', settings });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const seen = threads().filter((thread) => thread.state === 'R').map((thread) => thread.nice);
  await running;
  return seen;
}

describe.skipIf(process.platform !== 'linux' || !canNice)('the engine runs at a lower priority than the process', () => {
  let ch: ClickHouse;
  beforeAll(async () => {
    ch = await createClickHouse({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'margin-nice-')) });
  });
  afterAll(async () => ch.close());

  it('runs statements at ENGINE_NICE and gives the thread back at 0', async () => {
    expect(ENGINE_NICE).toBeGreaterThan(0);
    expect(await niceDuring(ch)).toContain(ENGINE_NICE);
    // the pool thread that ran the statement is back at 0: only idle engine threads keep the value
    const nodeThreads = threads().filter((thread) => thread.name === 'node' || thread.name.startsWith('libuv'));
    expect(nodeThreads.length).toBeGreaterThan(0);
    expect(nodeThreads.filter((thread) => thread.nice !== 0)).toEqual([]);
  });

  it('leaves the threads alone when a statement asks for 0', async () => {
    expect(await niceDuring(ch, { os_threads_nice_value_query: 0, os_threads_nice_value_materialized_view: 0 })).not.toContain(ENGINE_NICE);
  });
});
