// The event log's checkpoint: the offset before which every record is in ClickHouse. Written to a
// temporary file, fsynced and renamed (then the directory fsynced), so it is either old or new.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from './log-record.ts';

export interface Checkpoint {
  offset: number;
}

const FILE = 'checkpoint.json';

export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  try {
    const parsed = JSON.parse(await fsp.readFile(path.join(dir, FILE), 'utf8')) as Partial<Checkpoint>;
    if (typeof parsed.offset !== 'number' || !Number.isSafeInteger(parsed.offset) || parsed.offset < 0) {
      throw new Error(`event log checkpoint in ${dir} is malformed: ${JSON.stringify(parsed)}`);
    }
    return { offset: parsed.offset };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0 };
    throw error;
  }
}

export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const target = path.join(dir, FILE);
  const temporary = `${target}.tmp`;
  const handle = await fsp.open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify(checkpoint));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fsp.rename(temporary, target);
  await syncDir(dir);
}
