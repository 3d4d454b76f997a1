// The Langfuse SDK sends an observation's create and its update (end time, output, usage) as
// separate events, often in separate requests, and an update carries only what changed. Our rows
// are whole rows (the newest copy of an id wins), so a later update is merged onto the copy this
// process last stored. Bounded and per process: see the package README for what that leaves out.
export type Body = Record<string, unknown>;

export interface ObservationMemory {
  get(projectId: string, kind: string, id: string): Body | undefined;
  set(projectId: string, kind: string, id: string, body: Body): void;
}

export function createObservationMemory(options: { maxEntries?: number; ttlMs?: number } = {}): ObservationMemory {
  const maxEntries = options.maxEntries ?? 50_000;
  const ttlMs = options.ttlMs ?? 30 * 60_000;
  const entries = new Map<string, { body: Body; storedMs: number }>();
  return {
    get(projectId, kind, id) {
      const key = `${projectId}\u0000${kind}\u0000${id}`;
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (Date.now() - entry.storedMs > ttlMs) {
        entries.delete(key);
        return undefined;
      }
      return entry.body;
    },
    set(projectId, kind, id, body) {
      const key = `${projectId}\u0000${kind}\u0000${id}`;
      entries.delete(key); // re-insert at the end: the map's order is its age
      entries.set(key, { body, storedMs: Date.now() });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
