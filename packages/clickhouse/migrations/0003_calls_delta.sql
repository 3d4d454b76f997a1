-- calls_delta: the stream rollups read instead of calls, so that a resent id counts once.
-- A materialised view fires on insert, never on merge: a rollup fed straight from the
-- ReplacingMergeTree `calls` would count every resent copy of an id, for ever. So rollups
-- (packages/analytics, migrations 0004 on) hang their views on calls_delta, which stores nothing
-- (ENGINE = Null: only the views attached to it see its rows):
--   * every row inserted into calls reaches calls_delta as sign = +1 with its values, through the
--     view calls_delta_from_calls (the same INSERT statement, so calls and rollups cannot part);
--   * when the loader (src/calls-upsert.ts) loads a copy that replaces one already in calls, it first
--     writes the OLD copy's values to calls_corrections, whose view passes them on as sign = -1.
-- A rollup sums sign (requests) and sign * value (tokens, costs): each id then contributes exactly
-- its newest copy, and its hour, model or name may change between copies. Token columns are Int64
-- and costs Decimal so that sign * value can go negative. Distinct counts (users, sessions, traces)
-- cannot be taken back by a sign: keep them as sum(sign) per key and count keys whose sum > 0.
-- Finding the copies of a batch's ids: `calls` is sorted by hour, so looking 10,000 ids up there reads
-- the whole id column of the project (measured 0.6 s at 1M rows, growing with the table). call_keys
-- holds every copy's (id hash, hour, version) sorted by id hash, filled by a view on calls in the same
-- INSERT; the loader looks ids up there (about 0.2 s at 10M keys) and reads calls only by (hour, id).
-- Exactly once across a crash: the loader inserts a copy only when it is newer than every copy in
-- calls (a replayed log adds no second +1), and writes a -1 only for an old copy that
-- calls_corrections does not hold yet (a crash between the two inserts adds no second -1).
CREATE TABLE IF NOT EXISTS calls_delta
(
    project_id             LowCardinality(String),
    id                     String,
    timestamp              DateTime64(3, 'UTC'),
    trace_id               String,
    name                   LowCardinality(String),
    user_id                String,
    session_id             String,
    environment            LowCardinality(String),
    tags                   Array(LowCardinality(String)),
    provider               LowCardinality(String),
    model                  LowCardinality(String),
    status                 Enum8('ok' = 1, 'error' = 2),
    attempt                UInt16,
    batch                  Bool,
    duration_ms            Int64,
    input_tokens           Int64,
    output_tokens          Int64,
    cache_read_tokens      Int64,
    cache_write_tokens     Int64,
    reasoning_tokens       Int64,
    system_tokens          Int64,
    tool_definition_tokens Int64,
    retrieval_tokens       Int64,
    history_tokens         Int64,
    tool_result_tokens     Int64,
    user_input_tokens      Nullable(Int64),
    cost_input             Decimal64(12),
    cost_output            Decimal64(12),
    cost_cache_read        Decimal64(12),
    cost_cache_write       Decimal64(12),
    cost_total             Decimal64(12),
    price_source           Enum8('unknown' = 0, 'catalog' = 1, 'project' = 2, 'client' = 3),
    input_price            Decimal64(9),
    output_price           Decimal64(9),
    cache_read_price       Decimal64(9),
    cache_write_price      Decimal64(9),
    version                UInt64,
    -- +1: this copy now counts; -1: this (older) copy no longer counts
    sign                   Int8
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_delta_from_calls TO calls_delta AS
SELECT
    project_id, id, timestamp, trace_id, name, user_id, session_id, environment, tags, provider, model,
    status, attempt, batch,
    toInt64(duration_ms) AS duration_ms,
    toInt64(input_tokens) AS input_tokens,
    toInt64(output_tokens) AS output_tokens,
    toInt64(cache_read_tokens) AS cache_read_tokens,
    toInt64(cache_write_tokens) AS cache_write_tokens,
    toInt64(reasoning_tokens) AS reasoning_tokens,
    toInt64(system_tokens) AS system_tokens,
    toInt64(tool_definition_tokens) AS tool_definition_tokens,
    toInt64(retrieval_tokens) AS retrieval_tokens,
    toInt64(history_tokens) AS history_tokens,
    toInt64(tool_result_tokens) AS tool_result_tokens,
    CAST(user_input_tokens, 'Nullable(Int64)') AS user_input_tokens,
    cost_input, cost_output, cost_cache_read, cost_cache_write, cost_total, price_source,
    input_price, output_price, cache_read_price, cache_write_price, version,
    toInt8(1) AS sign
FROM calls;

-- The -1 rows, kept (30 days) so that a replay after a crash can see which were already written.
CREATE TABLE IF NOT EXISTS calls_corrections
(
    project_id             LowCardinality(String),
    id                     String,
    timestamp              DateTime64(3, 'UTC'),
    trace_id               String,
    name                   LowCardinality(String),
    user_id                String,
    session_id             String,
    environment            LowCardinality(String),
    tags                   Array(LowCardinality(String)),
    provider               LowCardinality(String),
    model                  LowCardinality(String),
    status                 Enum8('ok' = 1, 'error' = 2),
    attempt                UInt16,
    batch                  Bool,
    duration_ms            Int64,
    input_tokens           Int64,
    output_tokens          Int64,
    cache_read_tokens      Int64,
    cache_write_tokens     Int64,
    reasoning_tokens       Int64,
    system_tokens          Int64,
    tool_definition_tokens Int64,
    retrieval_tokens       Int64,
    history_tokens         Int64,
    tool_result_tokens     Int64,
    user_input_tokens      Nullable(Int64),
    cost_input             Decimal64(12),
    cost_output            Decimal64(12),
    cost_cache_read        Decimal64(12),
    cost_cache_write       Decimal64(12),
    cost_total             Decimal64(12),
    price_source           Enum8('unknown' = 0, 'catalog' = 1, 'project' = 2, 'client' = 3),
    input_price            Decimal64(9),
    output_price           Decimal64(9),
    cache_read_price       Decimal64(9),
    cache_write_price      Decimal64(9),
    -- the version of the copy that no longer counts, and of the copy that replaced it
    version                UInt64,
    replaced_by_version    UInt64,
    corrected_at           DateTime('UTC') DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (project_id, id, version)
TTL corrected_at + toIntervalDay(30)
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_delta_from_corrections TO calls_delta AS
SELECT * EXCEPT (replaced_by_version, corrected_at), toInt8(-1) AS sign
FROM calls_corrections;

-- Where each copy of an id sits in calls: one row per (project, id, hour), the newest version kept.
CREATE TABLE IF NOT EXISTS call_keys
(
    project_id     LowCardinality(String),
    id_hash        UInt64,
    hour           DateTime('UTC'),
    version        UInt64,
    retention_days UInt16
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, id_hash, hour)
TTL hour + toIntervalDay(retention_days) + toIntervalDay(1) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS call_keys_from_calls TO call_keys AS
SELECT project_id, sipHash64(id) AS id_hash, toStartOfHour(timestamp) AS hour, version, retention_days
FROM calls;

-- Calls loaded before this migration.
INSERT INTO call_keys SELECT project_id, sipHash64(id), toStartOfHour(timestamp), version, retention_days FROM calls;
