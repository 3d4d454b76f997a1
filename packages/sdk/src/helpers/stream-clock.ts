// Times a streamed call: from its start to the first content chunk (ttft_ms) and to its last chunk.

export interface StreamOptions {
  /** When the request was sent; default: when the accumulator was created. */
  startTime?: Date | number;
  /** The clock, in epoch ms (tests pass their own). */
  now?: () => number;
}

export class StreamClock {
  private readonly now: () => number;
  readonly startMs: number;
  private firstContentMs: number | undefined;
  private lastChunkMs: number | undefined;

  constructor(options: StreamOptions = {}) {
    this.now = options.now ?? Date.now;
    const start = options.startTime;
    this.startMs = start instanceof Date ? start.getTime() : (start ?? this.now());
  }

  /** Notes a chunk's arrival; `hasContent` marks the first token of the answer. */
  tick(hasContent: boolean): void {
    const at = this.now();
    this.lastChunkMs = at;
    if (hasContent && this.firstContentMs === undefined) this.firstContentMs = at;
  }

  /** The call ends with its last chunk (not when the caller gets round to recording it). */
  timing(): { start_time: Date; end_time: Date; ttft_ms?: number } {
    const end = this.lastChunkMs ?? this.now();
    const timing: { start_time: Date; end_time: Date; ttft_ms?: number } = {
      start_time: new Date(this.startMs),
      end_time: new Date(end),
    };
    // The server takes whole milliseconds.
    if (this.firstContentMs !== undefined) timing.ttft_ms = Math.max(0, Math.round(this.firstContentMs - this.startMs));
    return timing;
  }
}
