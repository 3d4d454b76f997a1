-- The 128-bit SipHash of each key of calls_trace_steps (0011, 0014), calls_session_steps (0015) and
-- spans_trace_tools (0019): the same value as the hashes of calls_hourly_traces and
-- calls_daily_sessions (0008). The key counts and the waste analysis (agent loops, redundant tool
-- calls) look up, in a table's largest part, the keys that also have rows in newer parts (a store
-- under ingestion always has some). Those keys are random: from a few thousand on they touch every
-- granule, and reading trace_id (about 33 bytes, ZSTD) to match them cost more than counting every
-- hash of the rollup. At 10M calls with 74,000 traces outside the largest part: 383 ms to match them
-- by trace_id, 95 ms by this column (bench/queries/run.ts --unmerged, one run).
-- FixedString, not UInt128: a SummingMergeTree sums every numeric column outside its key; a string
-- it keeps, as an AggregatingMergeTree does (one value per key here, a function of the key).
-- No compression: hashes do not compress (LZ4 kept 114 of 114 MiB at 7.5M traces).
ALTER TABLE calls_trace_steps ADD COLUMN IF NOT EXISTS trace_hash FixedString(16) MATERIALIZED sipHash128(trace_id) CODEC(NONE);
ALTER TABLE calls_trace_steps MATERIALIZE COLUMN trace_hash SETTINGS mutations_sync = 2;
ALTER TABLE calls_session_steps ADD COLUMN IF NOT EXISTS session_hash FixedString(16) MATERIALIZED sipHash128(session_id) CODEC(NONE);
ALTER TABLE calls_session_steps MATERIALIZE COLUMN session_hash SETTINGS mutations_sync = 2;
ALTER TABLE spans_trace_tools ADD COLUMN IF NOT EXISTS trace_hash FixedString(16) MATERIALIZED sipHash128(trace_id) CODEC(NONE);
ALTER TABLE spans_trace_tools MATERIALIZE COLUMN trace_hash SETTINGS mutations_sync = 2;
