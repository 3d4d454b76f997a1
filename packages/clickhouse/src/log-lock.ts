// One process per event log directory: two writers would interleave records and both advance the
// checkpoint. A lock file names the owner's pid; a lock left by a dead (e.g. SIGKILLed) process is taken over.
import fsp from 'node:fs/promises';
import path from 'node:path';

const LOCK = 'LOCK';
/** Directories this process holds: the pid check cannot tell two opens in one process apart. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own stale lock: a pid reused after a restart
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireDirLock(dir: string): Promise<void> {
  const file = path.join(dir, LOCK);
  if (held.has(dir)) throw new Error(`event log ${dir} is already open in this process`);
  const owner = Number((await fsp.readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
    throw new Error(`event log ${dir} is in use by process ${owner}; one process per directory`);
  }
  held.add(dir);
  await fsp.writeFile(file, String(process.pid));
}

export async function releaseDirLock(dir: string): Promise<void> {
  held.delete(dir);
  await fsp.rm(path.join(dir, LOCK), { force: true });
}
