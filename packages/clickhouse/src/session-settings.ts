// Settings of one statement stay with that statement, in the embedded store as on a server.
// chDB's connection turns a statement's `clickhouse_settings` into `SET name = value` run before it,
// on the process's one session: they stay in force for every later statement. Measured: after a
// query with optimize_use_projections = 0, system.settings showed it at 0, changed, for the next
// query. A server takes settings per request, so code written for one statement's settings
// (RAW_SETTINGS' FINAL without merging across partitions, an analysis's rewrites turned off) changed
// every statement after it here. This wrapper resets, before each statement, the settings that an
// earlier statement set and this one does not (`SET name = DEFAULT`). The settings of the client
// (BASE_SETTINGS, the engine's nice value) come with every statement and so are never reset.
// Settings chDB does not SET (HTTP-only ones it drops, default_format it maps to an option) are not
// engine settings: only names in system.settings are tracked, read once per process.
import type { Connection } from 'chdb/connection';
import type { Readable } from 'node:stream';

type Params = { query: string; clickhouse_settings?: object | undefined };

/** Names SET on the session by an earlier statement and not reset since (one chDB session per process). */
const inForce = new Set<string>();
let engineSettings: Promise<Set<string>> | undefined;

/**
 * The connection with each statement's settings scoped to it. Statements must reach it one at a time
 * (the statement gate, statement-gate.ts, is outside it).
 */
export function scopeSettings(connection: Connection<Readable>): Connection<Readable> {
  const known = (): Promise<Set<string>> =>
    (engineSettings ??= connection
      .query({ query: 'SELECT name FROM system.settings FORMAT JSONCompactEachRow', query_id: `settings-${Date.now()}` } as Parameters<
        typeof connection.query
      >[0])
      .then(async ({ stream }) => {
        let text = '';
        for await (const chunk of stream) text += String(chunk);
        return new Set(
          text
            .split('\n')
            .filter(Boolean)
            .map((line) => (JSON.parse(line) as [string])[0]),
        );
      })
      .catch((error: unknown) => {
        engineSettings = undefined;
        throw error;
      }));
  const scoped =
    <P extends Params, R>(run: (params: P) => Promise<R>) =>
    async (params: P): Promise<R> => {
      const names = await known();
      const mine = new Set(
        Object.entries(params.clickhouse_settings ?? {}).flatMap(([name, value]) => (value !== undefined && names.has(name) ? [name] : [])),
      );
      const resets = [...inForce].filter((name) => !mine.has(name));
      const query = resets.length ? `${resets.map((name) => `SET ${name} = DEFAULT`).join('; ')}; ${params.query}` : params.query;
      for (const name of mine) inForce.add(name);
      const result = await run({ ...params, query });
      // after an error, whether the resets ran is not known: they stay listed and run again
      for (const name of resets) inForce.delete(name);
      return result;
    };
  return {
    ping: (params) => connection.ping(params),
    query: scoped(connection.query.bind(connection)),
    insert: scoped(connection.insert.bind(connection)),
    command: scoped(connection.command.bind(connection)),
    exec: scoped(connection.exec.bind(connection)),
    close: () => connection.close(),
  };
}
