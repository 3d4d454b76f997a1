// Turns `pg` connection failures into one line that names the cause and how to fix it.

/** `host:port/database` of a Postgres URL, without the user's password. */
export function redactUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new Error('not a postgres URL');
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
  return `${url.hostname || 'localhost'}:${url.port || '5432'}/${database}`;
}

interface PgLikeError {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  hostname?: string;
  errors?: PgLikeError[];
}

export function describePgError(error: unknown): string {
  const e = (error ?? {}) as PgLikeError;
  // Node reports a refused dual-stack connect as an AggregateError with one error per address.
  const first = e.errors?.[0] ?? e;
  const at = first.address ? `${first.address}:${first.port}` : '';
  switch (first.code ?? e.code) {
    case 'ECONNREFUSED':
      return `connection refused${at ? ` at ${at}` : ''} (is the server running, and on that port?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${first.hostname ?? '(unknown)'} not found (check the host name in DATABASE_URL)`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to the server${at ? ` at ${at}` : ''} (${first.code})`;
    case '28P01':
      return `authentication failed: ${e.message} (check the user and password in DATABASE_URL)`;
    case '28000':
      return `access denied: ${e.message}`;
    case '3D000':
      return `${e.message} (create it, or point DATABASE_URL at an existing database)`;
    case '53300':
      return `too many connections: ${e.message}`;
  }
  const message = e.message ?? String(error);
  if (/timeout/i.test(message)) return `no answer in time (${message}): is the host reachable?`;
  if (/terminated unexpectedly/i.test(message)) return `the server or network closed the connection (${message})`;
  return message;
}
