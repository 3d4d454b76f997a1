-- Steps that are not LLM calls (tools, retrieval, agents), the traces that hold them, and scores.
-- Same rules as calls: the newest `version` of an id wins, queries deduplicate.
CREATE TABLE IF NOT EXISTS spans
(
    project_id     LowCardinality(String),
    id             String CODEC(ZSTD(1)),
    timestamp      DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    trace_id       String CODEC(ZSTD(1)),
    parent_id      String CODEC(ZSTD(1)),
    name           LowCardinality(String),
    kind           LowCardinality(String),
    environment    LowCardinality(String),
    status         Enum8('ok' = 1, 'error' = 2),
    error_message  String CODEC(ZSTD(3)),
    duration_ms    UInt32 CODEC(T64, ZSTD(1)),
    tool_name      LowCardinality(String),
    -- sipHash64 of the tool input: redundant tool calls are the same tool and hash in one trace
    input_hash     UInt64,
    input          String CODEC(ZSTD(3)),
    output         String CODEC(ZSTD(3)),
    metadata       Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    retention_days UInt16,
    version        UInt64 CODEC(Delta(8), ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toStartOfHour(timestamp), id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE TABLE IF NOT EXISTS traces
(
    project_id     LowCardinality(String),
    id             String CODEC(ZSTD(1)),
    timestamp      DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    name           LowCardinality(String),
    user_id        String CODEC(ZSTD(1)),
    session_id     String CODEC(ZSTD(1)),
    environment    LowCardinality(String),
    tags           Array(LowCardinality(String)),
    metadata       Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    retention_days UInt16,
    version        UInt64 CODEC(Delta(8), ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE TABLE IF NOT EXISTS scores
(
    project_id     LowCardinality(String),
    id             String CODEC(ZSTD(1)),
    timestamp      DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    trace_id       String CODEC(ZSTD(1)),
    observation_id String CODEC(ZSTD(1)),
    name           LowCardinality(String),
    value          Float64,
    comment        String CODEC(ZSTD(3)),
    retention_days UInt16,
    version        UInt64 CODEC(Delta(8), ZSTD(1))
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, trace_id, id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;
