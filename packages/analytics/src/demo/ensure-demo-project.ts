// The demo project a new user sees at once: created (idempotently) in Postgres with isDemo set, and
// filled with generated traffic in ClickHouse. The server calls it at a fresh embedded start; the
// `npm run demo` CLI calls it with any size.
import type { ClickHouse } from '@margin/clickhouse';
import { queryRows } from '@margin/clickhouse';
import { displaySecretKey, generateKeyPair, hashSecretKey, type Db } from '@margin/db';
import { loadDemoDirect, type DemoProgress, type LoadDemoResult } from './load-direct.ts';

export const DEMO_ORG_NAME = 'Demo';
export const DEMO_PROJECT_NAME = 'Demo project';
/** What a fresh start loads: enough for every chart, seconds to load. */
export const DEFAULT_DEMO_CALLS = 50_000;
const SERVER_BATCH_CALLS = 5_000;

export interface EnsureDemoProjectOptions {
  db: Db;
  ch: ClickHouse;
  calls?: number;
  months?: number;
  seed?: string;
  end?: number;
  /**
   * Calls per insert. Default 5,000: encoding an insert holds the event loop, and a server loading
   * its demo is answering requests meanwhile; a bulk load (the CLI) takes 50,000.
   */
  batchSize?: number;
  /** Return once the project exists and load the calls behind it (`loading` settles when done). */
  background?: boolean;
  onProgress?: (progress: DemoProgress) => void;
}

export interface EnsureDemoProjectResult {
  projectId: string;
  created: boolean;
  /** Calls the project already held; the load is skipped when there are any. */
  existingCalls: number;
  /** The load's result (null: skipped); with `background`, settles when the load ends. */
  loading: Promise<LoadDemoResult | null>;
}

async function findOrCreateProject(db: Db): Promise<{ id: string; created: boolean }> {
  const existing = await db.prisma.project.findFirst({ where: { isDemo: true }, orderBy: { createdAt: 'asc' } });
  if (existing) return { id: existing.id, created: false };
  const org = await db.prisma.organization.create({ data: { name: DEMO_ORG_NAME } });
  const project = await db.prisma.project.create({ data: { orgId: org.id, name: DEMO_PROJECT_NAME, isDemo: true } });
  return { id: project.id, created: true };
}

export async function countProjectCalls(ch: ClickHouse, projectId: string): Promise<number> {
  const [row] = await queryRows<{ calls: string }>(ch, 'SELECT count() AS calls FROM calls WHERE project_id = {projectId:String}', {
    tag: 'demo.count_calls',
    params: { projectId },
  });
  return Number(row?.calls ?? 0);
}

export async function ensureDemoProject(options: EnsureDemoProjectOptions): Promise<EnsureDemoProjectResult> {
  const project = await findOrCreateProject(options.db);
  const existingCalls = await countProjectCalls(options.ch, project.id);
  // Demo ids are fresh: loading twice would count every call twice in the rollups, so never reload.
  const load = async (): Promise<LoadDemoResult | null> =>
    existingCalls > 0
      ? null
      : loadDemoDirect({
          ch: options.ch,
          projectId: project.id,
          calls: options.calls ?? DEFAULT_DEMO_CALLS,
          months: options.months ?? 3,
          batchSize: options.batchSize ?? SERVER_BATCH_CALLS,
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(options.end !== undefined ? { end: options.end } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
  if (options.background) {
    const loading = new Promise<void>((resolve) => setImmediate(resolve)).then(load);
    loading.catch(() => undefined); // the caller may never await it; its error is still in `loading`
    return { projectId: project.id, created: project.created, existingCalls, loading };
  }
  const result = await load();
  return { projectId: project.id, created: project.created, existingCalls, loading: Promise.resolve(result) };
}

/** A new key pair for the demo project; the secret is returned here once and stored only hashed. */
export async function createDemoKey(db: Db, projectId: string): Promise<{ publicKey: string; secretKey: string }> {
  const pair = generateKeyPair();
  await db.prisma.apiKey.create({
    data: {
      projectId,
      publicKey: pair.publicKey,
      hashedSecretKey: hashSecretKey(pair.secretKey),
      displaySecretKey: displaySecretKey(pair.secretKey),
      note: 'npm run demo',
    },
  });
  return pair;
}
