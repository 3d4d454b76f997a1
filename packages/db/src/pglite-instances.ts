// Keeps one PGlite instance per data directory: shared within a process, refused to a second process.
import { PGlite } from '@electric-sql/pglite';
import fs from 'node:fs';
import path from 'node:path';

export interface PgliteLease {
  pglite: PGlite;
  /** Gives the instance back; the last lease of a directory closes it. Safe to call twice. */
  release(): Promise<void>;
}

interface SharedPglite {
  ready: Promise<PGlite>;
  users: number;
  closing?: Promise<void>;
}

// A Next.js build can load this module twice in one process; two PGlite instances on one directory
// would corrupt it, so instances live on globalThis, keyed by resolved directory, counted by users.
const registryKey = Symbol.for('margin.db.pglite-instances');
const globals = globalThis as unknown as Record<symbol, Map<string, SharedPglite> | undefined>;
const registry: Map<string, SharedPglite> = (globals[registryKey] ??= new Map());

/** PGlite does not lock its directory the way a Postgres server does (postmaster.pid): we do. */
const PID_FILE = 'margin-pglite.pid';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockDirectory(dir: string): void {
  const file = path.join(dir, PID_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    // Our own pid here is a leftover of a crash (in a container the pid repeats after a restart).
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
      throw new Error(
        `The embedded Postgres in ${dir} is in use by another process (pid ${pid}). ` +
          `Stop that process, or give this one another MARGIN_DATA_DIR.`,
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new Error(`Could not lock ${dir} (${file} keeps coming back)`);
}

function unlockDirectory(dir: string): void {
  const file = path.join(dir, PID_FILE);
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}

async function open(key: string, inMemory: boolean): Promise<PGlite> {
  if (!inMemory) {
    fs.mkdirSync(key, { recursive: true });
    lockDirectory(key);
  }
  try {
    return await (inMemory ? PGlite.create() : PGlite.create(key));
  } catch (error) {
    if (!inMemory) unlockDirectory(key);
    throw new Error(`Cannot open the embedded Postgres in ${key}: ${(error as Error).message}`, { cause: error });
  }
}

/** Opens (or joins) the instance for `dir`; `memory://` gives a private in-memory one. */
export async function leasePglite(dir: string): Promise<PgliteLease> {
  const inMemory = dir.startsWith('memory://');
  const key = inMemory ? `memory://${Math.random().toString(36).slice(2)}` : path.resolve(dir);
  let shared = registry.get(key);
  // A directory being closed by its last user is reopened only once that close is done.
  while (shared?.closing) {
    await shared.closing;
    shared = registry.get(key);
  }
  if (!shared) {
    const created: SharedPglite = { ready: open(key, inMemory), users: 0 };
    registry.set(key, created);
    created.ready.catch(() => registry.get(key) === created && registry.delete(key));
    shared = created;
  }
  shared.users += 1;
  const entry = shared;
  let pglite: PGlite;
  try {
    pglite = await entry.ready;
  } catch (error) {
    entry.users -= 1;
    throw error;
  }
  let released = false;
  return {
    pglite,
    release: async () => {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users > 0) return;
      entry.closing = (async () => {
        try {
          await pglite.close();
        } finally {
          if (!inMemory) unlockDirectory(key);
          if (registry.get(key) === entry) registry.delete(key);
        }
      })();
      await entry.closing;
    },
  };
}
