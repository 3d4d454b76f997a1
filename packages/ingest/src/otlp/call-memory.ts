// Remembers, across requests, which spans have a model call below them. An exporter sends a child
// before its parent (spans are exported when they end), so a wrapper that repeats its child's
// usage often arrives in a later request: it must still not count as a second call.
export interface CallMemory {
  /** Record the span's parent, so later calls can be traced up through it. */
  rememberParent(traceId: string, spanId: string, parentSpanId: string): void;
  /** Mark every known ancestor of a call as covering it. */
  markAncestors(traceId: string, spanId: string): void;
  isCovered(traceId: string, spanId: string): boolean;
}

/** Bounded maps: the oldest entries go first, so memory stays flat under any load. */
export function createCallMemory(maxEntries = 100_000): CallMemory {
  const parents = new Map<string, string>();
  const covered = new Set<string>();
  const bound = <T>(collection: Map<string, T> | Set<string>) => {
    while (collection.size > maxEntries) collection.delete(collection.keys().next().value as string);
  };
  const markAncestors = (traceId: string, spanId: string) => {
    let current = parents.get(`${traceId}:${spanId}`);
    for (let depth = 0; current && depth < 256; depth++) {
      covered.add(`${traceId}:${current}`);
      current = parents.get(`${traceId}:${current}`);
    }
    bound(covered);
  };
  return {
    rememberParent(traceId, spanId, parentSpanId) {
      if (!parentSpanId) return;
      parents.set(`${traceId}:${spanId}`, parentSpanId);
      bound(parents);
      // A span between a call and a wrapper that comes later: pass the coverage on up.
      if (covered.has(`${traceId}:${spanId}`)) markAncestors(traceId, spanId);
    },
    markAncestors,
    isCovered: (traceId, spanId) => covered.has(`${traceId}:${spanId}`),
  };
}
