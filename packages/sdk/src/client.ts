// The Margin client: records events into a bounded queue and sends them in the background,
// batched by count and time, until flush() or shutdown() or the process's end.
import { MAX_EVENT_BYTES, takeBatch } from './batch.ts';
import { MarginError } from './errors.ts';
import { resolveOptions, type MarginOptions, type ResolvedOptions } from './options.ts';
import { serializeEvent, toWireEvent, type SerializedEvent } from './serialize.ts';
import { deliver, type DeliveryReport, type TransportOptions } from './transport.ts';
import type { EventType, GenerationEvent, ScoreEvent, SpanEvent, TraceEvent } from './types.ts';

export interface MarginStats {
  /** Waiting in the queue. */
  queued: number;
  /** In a request that has not been answered yet. */
  inFlight: number;
  /** Acknowledged by the server as stored. */
  sent: number;
  /** Refused by the server or given up on after retries (each reported to onError). */
  failed: number;
  /** Never queued: queue full, too large, unserialisable, or recorded after shutdown(). */
  dropped: number;
  /** Requests sent again. */
  retries: number;
}

export class Margin {
  private readonly options: ResolvedOptions;
  private readonly transport: TransportOptions;
  private readonly queue: SerializedEvent[] = [];
  private draining: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly counts = { inFlight: 0, sent: 0, failed: 0, dropped: 0, retries: 0 };
  /** Set while a flush (explicit, timer or exit) wants the queue emptied, not just full batches sent. */
  private sendAll = false;
  private readonly onBeforeExit = () => {
    // Starting a send keeps the event loop alive; once the queue is empty the process may end.
    if (this.queue.length > 0) this.kick(true);
  };

  constructor(options: MarginOptions) {
    this.options = resolveOptions(options);
    this.transport = {
      endpoint: this.options.endpoint,
      secretKey: this.options.secretKey,
      fetch: this.options.fetch,
      maxRetries: this.options.maxRetries,
      backoff: { baseDelayMs: this.options.retryBaseDelayMs, maxDelayMs: this.options.retryMaxDelayMs },
      requestTimeoutMs: this.options.requestTimeoutMs,
    };
    if (this.options.flushOnExit) process.on('beforeExit', this.onBeforeExit);
  }

  /** Records one LLM call; returns its id. */
  generation(event: GenerationEvent): string {
    return this.enqueue('generation', event);
  }

  /** Records a step that is not an LLM call (tool, retrieval, agent, other); returns its id. */
  span(event: SpanEvent): string {
    return this.enqueue('span', event);
  }

  /** Records a trace; pass the returned id as `trace_id` of its generations and spans. */
  trace(event: TraceEvent = {}): string {
    return this.enqueue('trace', event);
  }

  /** Records a score of a trace or of one observation in it; returns its id. */
  score(event: ScoreEvent): string {
    return this.enqueue('score', event);
  }

  /** Sends everything queued and resolves once the server answered for all of it. Never rejects. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.draining) {
      this.kick(true);
      await this.draining;
    }
  }

  /** Flushes, stops the timers and the exit hook; later events are refused (counted as dropped). */
  async shutdown(): Promise<void> {
    this.closed = true;
    process.off('beforeExit', this.onBeforeExit);
    await this.flush();
    this.clearTimer();
  }

  stats(): MarginStats {
    return { queued: this.queue.length, ...this.counts };
  }

  private enqueue(type: EventType, fields: object): string {
    let event: SerializedEvent;
    try {
      event = serializeEvent(toWireEvent(type, fields));
    } catch (error) {
      const id = typeof (fields as { id?: unknown })?.id === 'string' ? (fields as { id: string }).id : '';
      return this.drop(new MarginError('rejected', `event not serialisable: ${String(error)}`, [id]));
    }
    if (this.closed) return this.drop(new MarginError('shut_down', 'event recorded after shutdown()', [event.id]));
    if (event.bytes > MAX_EVENT_BYTES) {
      return this.drop(new MarginError('event_too_large', `event of ${event.bytes} bytes exceeds a request`, [event.id]));
    }
    if (this.queue.length >= this.options.maxQueueSize) {
      return this.drop(new MarginError('queue_full', `queue holds ${this.options.maxQueueSize} events`, [event.id]));
    }
    this.queue.push(event);
    if (this.queue.length >= this.options.flushAt) this.kick(false);
    else if (!this.timer) this.armTimer();
    return event.id;
  }

  private drop(error: MarginError): string {
    this.counts.dropped += 1;
    this.report(error);
    return error.eventIds[0] ?? '';
  }

  /**
   * Starts the send loop unless it runs already. `all`: send everything waiting; otherwise only
   * full batches (flushAt), and what is left waits for the timer.
   */
  private kick(all: boolean): void {
    if (all) {
      this.sendAll = true;
      this.clearTimer();
    }
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      // A kick that came after the loop's last check but before this point found it still running.
      const all = this.sendAll && this.queue.length > 0;
      this.draining = null;
      this.sendAll = false;
      if (all || this.queue.length >= this.options.flushAt) this.kick(all);
      else if (this.queue.length > 0 && !this.timer && !this.closed) this.armTimer();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length >= this.options.flushAt || (this.sendAll && this.queue.length > 0)) {
      const batch = takeBatch(this.queue);
      this.counts.inFlight += batch.length;
      let report: DeliveryReport;
      try {
        report = await deliver(batch, this.transport);
      } catch (error) {
        // deliver() handles every answer; reaching here is a bug, still reported rather than lost.
        const ids = batch.map((e) => e.id);
        report = { sent: 0, failed: ids.length, retries: 0, errors: [new MarginError('rejected', String(error), ids)] };
      }
      this.counts.inFlight -= batch.length;
      this.counts.sent += report.sent;
      this.counts.failed += report.failed;
      this.counts.retries += report.retries;
      for (const error of report.errors) this.report(error);
    }
  }

  private armTimer(): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick(true);
    }, this.options.flushIntervalMs);
    // The timer alone must not keep a finished process alive; beforeExit flushes instead.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private report(error: MarginError): void {
    try {
      this.options.onError(error);
    } catch {
      // A throwing handler must not stop delivery of the events after it.
    }
  }
}
