// Checks API keys without a database round trip per request: keys are looked up by the SHA-256 of
// their secret, kept in memory, and re-read in the background every ttlMs/2, so a revoked key stops
// working within ttlMs. Unknown secrets are remembered briefly too, so a flood of bad keys is cheap.
import type { IncomingMessage } from 'node:http';
import { hashSecretKey, type Db } from '@margin/db';
import { apiError, isApiError, type ApiError } from '../http/respond.ts';
import { parseCredentials } from './parse-credentials.ts';
import { createRateLimiter, type RateLimiter } from './rate-limiter.ts';

export type KeyScope = 'INGEST' | 'READ' | 'ALL';
/** What a route needs: sending data, reading data, or changing the project's settings (prices). */
export type RequiredScope = 'ingest' | 'read' | 'write';

export interface ProjectSettings {
  /** Days to keep calls; null keeps them for ever. */
  retentionDays: number | null;
  storeContent: boolean;
  rateLimitPerSecond: number;
}

/** Who is calling: the key's project and what the key may do. */
export interface AuthContext {
  projectId: string;
  keyId: string;
  publicKey: string;
  scope: KeyScope;
  project: ProjectSettings;
}

/** node's IncomingMessage or a fetch API Request (Next.js route handlers). */
export type RequestLike = Pick<IncomingMessage, 'headers'> | { headers: Headers };

const authorizationOf = (req: RequestLike): string | undefined =>
  req.headers instanceof Headers ? (req.headers.get('authorization') ?? undefined) : (req.headers as IncomingMessage['headers']).authorization;

export interface KeyAuthenticatorOptions {
  /** A revoked or changed key is seen within this many ms. */
  ttlMs?: number;
  /** How long an unknown secret is remembered as unknown. */
  negativeTtlMs?: number;
  rateLimiter?: RateLimiter;
  /** `api_keys.last_used_at` is written at most this often (in the background refresh). */
  lastUsedEveryMs?: number;
}

export interface KeyAuthenticator {
  /** The caller of `req` (node's IncomingMessage or a fetch Request), or the error to answer (401, 403, 429, 503). */
  authenticateRequest(req: RequestLike, options: { scope: RequiredScope }): Promise<AuthContext | ApiError>;
  /** The key behind an Authorization header value, or a 401/503; no scope or rate check. */
  authenticateHeader(header: string | undefined): Promise<AuthContext | ApiError>;
  /** Forget every cached key (tests, or after a bulk change). */
  clear(): void;
  close(): void;
}

interface Entry {
  key: (AuthContext & { expiresAt: Date | null }) | null;
  checkedMs: number;
  lastUsedMs: number;
}

const SCOPES: Record<KeyScope, readonly RequiredScope[]> = {
  INGEST: ['ingest'],
  READ: ['read'],
  ALL: ['ingest', 'read', 'write'],
};

/** Entries unused this long are dropped from memory (they are re-read on their next use). */
const IDLE_DROP_MS = 10 * 60_000;
/** Past this many cached secrets, unknown ones are forgotten first (a flood of random keys stays bounded). */
const MAX_ENTRIES = 50_000;

export function createKeyAuthenticator(db: Db, options: KeyAuthenticatorOptions = {}): KeyAuthenticator {
  const ttlMs = options.ttlMs ?? 5_000;
  const negativeTtlMs = options.negativeTtlMs ?? Math.min(1_000, ttlMs);
  const limiter = options.rateLimiter ?? createRateLimiter();
  const lastUsedEveryMs = options.lastUsedEveryMs ?? 60_000;
  // Keys used since `last_used_at` was last written; written in one statement by the refresh.
  const usedKeyIds = new Set<string>();
  let lastUsedWrittenMs = 0;
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry>>();

  async function load(hashes: string[]): Promise<Map<string, Entry['key']>> {
    const rows = await db.prisma.apiKey.findMany({
      where: { hashedSecretKey: { in: hashes } },
      include: { project: { select: { retentionDays: true, storeContent: true, rateLimitPerSecond: true } } },
    });
    const found = new Map<string, Entry['key']>();
    for (const row of rows) {
      if (row.revokedAt) continue;
      found.set(row.hashedSecretKey, {
        projectId: row.projectId,
        keyId: row.id,
        publicKey: row.publicKey,
        scope: row.scope as KeyScope,
        expiresAt: row.expiresAt,
        project: {
          retentionDays: row.project.retentionDays,
          storeContent: row.project.storeContent,
          rateLimitPerSecond: row.project.rateLimitPerSecond,
        },
      });
    }
    return found;
  }

  function store(hash: string, key: Entry['key'], now: number): Entry {
    const previous = cache.get(hash);
    if (!key && cache.size >= MAX_ENTRIES) sweep(now, true);
    const entry: Entry = { key, checkedMs: now, lastUsedMs: previous?.lastUsedMs ?? now };
    cache.set(hash, entry);
    return entry;
  }

  async function lookup(hash: string): Promise<Entry> {
    const running = inflight.get(hash);
    if (running) return running;
    const promise = load([hash])
      .then((found) => store(hash, found.get(hash) ?? null, Date.now()))
      .finally(() => inflight.delete(hash));
    inflight.set(hash, promise);
    return promise;
  }

  function sweep(now: number, negativesOnly = false): void {
    for (const [hash, entry] of cache) {
      const dropNegative = !entry.key && now - entry.checkedMs >= negativeTtlMs;
      const dropIdle = !negativesOnly && now - entry.lastUsedMs > IDLE_DROP_MS;
      if (dropNegative || dropIdle || (negativesOnly && !entry.key)) cache.delete(hash);
    }
  }

  // Background re-validation: one query for every known key, so the request path never waits.
  let refreshing = false;
  const timer = setInterval(async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const now = Date.now();
      sweep(now);
      if (usedKeyIds.size > 0 && now - lastUsedWrittenMs >= lastUsedEveryMs) {
        const ids = [...usedKeyIds];
        usedKeyIds.clear();
        lastUsedWrittenMs = now;
        await db.prisma.apiKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: new Date(now) } });
      }
      const hashes = [...cache].filter(([, e]) => e.key).map(([hash]) => hash);
      if (hashes.length === 0) return;
      const found = await load(hashes);
      const checked = Date.now();
      for (const hash of hashes) store(hash, found.get(hash) ?? null, checked);
    } catch {
      // The store is unreachable: entries age past ttlMs and the next request re-reads (and answers 503).
    } finally {
      refreshing = false;
    }
  }, Math.max(100, Math.floor(ttlMs / 2)));
  timer.unref();

  async function authenticateHeader(header: string | undefined): Promise<AuthContext | ApiError> {
    const credentials = parseCredentials(header);
    if (!credentials) {
      return apiError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <secret key> or Basic <public key>:<secret key>');
    }
    const hash = hashSecretKey(credentials.secretKey);
    const now = Date.now();
    let entry = cache.get(hash);
    const fresh = entry && now - entry.checkedMs < (entry.key ? ttlMs : negativeTtlMs);
    if (!entry || !fresh) {
      try {
        entry = await lookup(hash);
      } catch {
        return apiError(503, 'unavailable', 'cannot check the API key right now: the database is unreachable', 2);
      }
    }
    entry.lastUsedMs = now;
    const key = entry.key;
    if (!key || (key.expiresAt && key.expiresAt.getTime() <= now)) return apiError(401, 'unauthorized', 'invalid API key');
    if (credentials.publicKey !== undefined && credentials.publicKey !== key.publicKey) {
      return apiError(401, 'unauthorized', 'the public key does not belong to this secret key');
    }
    usedKeyIds.add(key.keyId);
    const { expiresAt: _expiresAt, ...context } = key;
    return context;
  }

  return {
    authenticateHeader,
    async authenticateRequest(req, { scope }) {
      const context = await authenticateHeader(authorizationOf(req));
      if (isApiError(context)) return context;
      if (!SCOPES[context.scope].includes(scope)) {
        return apiError(403, 'forbidden', `this key's scope (${context.scope}) does not allow ${scope}`);
      }
      const decision = limiter.take(context.keyId, context.project.rateLimitPerSecond);
      if (!decision.allowed) {
        return apiError(
          429,
          'rate_limited',
          `rate limit of ${context.project.rateLimitPerSecond} requests per second exceeded for this key`,
          decision.retryAfterSeconds,
        );
      }
      return context;
    },
    clear: () => cache.clear(),
    close: () => clearInterval(timer),
  };
}
