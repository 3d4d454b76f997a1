// The load worker's thread: reads log records from the segment files and prepares them
// (load-prepare.ts), so that JSON parse and encode never run on the thread that answers HTTP.
import { parentPort } from 'node:worker_threads';
import { readRecords, type SegmentSpan } from './log-segment.ts';
import { prepareLoad, transferList } from './load-prepare.ts';

export interface PrepareRequest {
  id: number;
  dir: string;
  segments: SegmentSpan[];
  durableEnd: number;
  offset: number;
  maxRows: number;
}

parentPort?.on('message', (request: PrepareRequest) => {
  void (async () => {
    try {
      const { records, end } = await readRecords(request.dir, request.segments, request.durableEnd, request.offset, request.maxRows);
      const load = prepareLoad(records, end);
      parentPort!.postMessage({ id: request.id, load }, transferList(load));
    } catch (error) {
      parentPort!.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
