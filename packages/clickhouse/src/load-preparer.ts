// Runs load preparation (read + parse log records, encode insert bodies: load-prepare.ts) in a
// worker thread and hands back Buffers, so the main thread's event loop never stalls on it. If the
// worker cannot start (e.g. a bundler left its file behind), the same code runs in this thread.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readRecords, type SegmentSpan } from './log-segment.ts';
import { prepareLoad, type PreparedLoad } from './load-prepare.ts';
import type { PrepareRequest } from './load-worker.ts';

interface Waiter {
  resolve: (load: PreparedLoad) => void;
  reject: (error: Error) => void;
}

export interface LoadPreparer {
  prepare(dir: string, segments: SegmentSpan[], durableEnd: number, offset: number, maxRows: number): Promise<PreparedLoad>;
  /** `worker` while the thread runs, `inline` after it failed to start or was not wanted. */
  readonly mode: 'worker' | 'inline';
  /** Loads the worker thread prepared. */
  readonly workerLoads: number;
  /** Starts the thread ahead of the first load (booting it takes a while). */
  warm(): void;
  close(): Promise<void>;
}

const BOOT_FILE = 'load-worker-boot.mjs';

/**
 * The worker's entry file: next to this module when it runs from source; from a bundle (Next.js
 * transpiles this package into its own chunks) through the package's location under the working
 * directory; undefined when neither exists (loads are then prepared in this thread).
 */
function workerEntry(): URL | undefined {
  const candidates: (() => URL)[] = [
    // A variable, not a literal: bundlers would otherwise try to turn the file into a chunk of their own.
    () => new URL(BOOT_FILE, import.meta.url),
    () => pathToFileURL(path.join(path.dirname(createRequire(path.join(process.cwd(), 'index.js')).resolve('@margin/clickhouse')), BOOT_FILE)),
  ];
  for (const candidate of candidates) {
    try {
      const url = candidate();
      if (url.protocol === 'file:' && fs.existsSync(fileURLToPath(url))) return url;
    } catch {
      // not resolvable from here: try the next place
    }
  }
  return undefined;
}

export function createLoadPreparer(options: { worker?: boolean; onError?: (error: unknown) => void } = {}): LoadPreparer {
  let worker: Worker | undefined;
  let broken = options.worker === false;
  let closed = false;
  let workerLoads = 0;
  let nextId = 1;
  const waiters = new Map<number, Waiter>();

  const inline = async (dir: string, segments: SegmentSpan[], durableEnd: number, offset: number, maxRows: number) => {
    const { records, end } = await readRecords(dir, segments, durableEnd, offset, maxRows);
    return prepareLoad(records, end);
  };
  const failAll = (error: Error) => {
    for (const waiter of waiters.values()) waiter.reject(error);
    waiters.clear();
  };
  const start = (): Worker => {
    const entry = workerEntry();
    if (!entry) throw new Error(`${BOOT_FILE} not found next to the module nor under ${process.cwd()}`);
    // The entry is a path found at run time. Turbopack treats a literal `new Worker(x)` as a worker to
    // bundle and, with x unknown, globs the whole app into it and fails the dashboard build; a
    // reflective construct is opaque to it and the same call at run time.
    const thread: Worker = Reflect.construct(Worker, [entry]);
    thread.unref(); // ref'd only while a request is out: an idle loader must not keep the process alive
    thread.on('message', (message: { id: number; load?: PreparedLoad; error?: string }) => {
      const waiter = waiters.get(message.id);
      if (!waiter) return;
      waiters.delete(message.id);
      if (waiters.size === 0) thread.unref();
      if (message.load) {
        workerLoads++;
        waiter.resolve(message.load);
      }
      else waiter.reject(new Error(`load worker: ${message.error}`));
    });
    thread.on('error', (error) => {
      // A worker that cannot start or dies: this load fails (the loader retries), later ones run inline.
      broken = true;
      worker = undefined;
      options.onError?.(new Error(`load worker failed, preparing loads on the main thread from now on: ${String(error)}`));
      failAll(error instanceof Error ? error : new Error(String(error)));
    });
    thread.on('exit', () => {
      if (worker === thread) worker = undefined;
      failAll(new Error('load worker exited'));
    });
    return thread;
  };

  return {
    get mode() {
      return broken ? 'inline' : 'worker';
    },
    get workerLoads() {
      return workerLoads;
    },
    warm() {
      if (broken || closed || worker) return;
      try {
        worker = start();
      } catch (error) {
        broken = true;
        options.onError?.(new Error(`load worker did not start, preparing loads on the main thread: ${String(error)}`));
      }
    },
    prepare(dir, segments, durableEnd, offset, maxRows) {
      if (broken || closed) return inline(dir, segments, durableEnd, offset, maxRows);
      try {
        worker ??= start();
      } catch (error) {
        broken = true;
        options.onError?.(new Error(`load worker did not start, preparing loads on the main thread: ${String(error)}`));
        return inline(dir, segments, durableEnd, offset, maxRows);
      }
      const thread = worker;
      const id = nextId++;
      const request: PrepareRequest = { id, dir, segments, durableEnd, offset, maxRows };
      return new Promise<PreparedLoad>((resolve, reject) => {
        waiters.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage(request);
      });
    },
    async close() {
      const thread = worker;
      worker = undefined;
      closed = true;
      if (thread) await thread.terminate();
    },
  };
}
