-- scores in one partition. The efficiency analysis reads `scores FINAL` with
-- do_not_merge_across_partitions_select_final (queryAnalysis' settings, meant for calls), which skips
-- the merge of a partition held in one part (scores FINAL at 10M demo calls: 68-74 ms merged across
-- partitions, about 10 ms without). It is sound only if every copy of a key lies in one partition, and
-- scores were partitioned by the month of their timestamp, which is not in their key: a score resent
-- with a timestamp in another month kept both copies, and the analysis counted it twice. Partitioned by
-- nothing, every copy of (project_id, trace_id, id) is in the one partition. Scores are about 7% as
-- many rows as calls (707k at 10M demo calls), and their TTL deletes rows in merges, as before.
-- Copied as 0013 copied calls: the newest copy of every key (FINAL across partitions, so a score in two
-- months keeps only its newest copy), then merged. No view reads scores.
RENAME TABLE scores TO scores_0024;

CREATE TABLE scores AS scores_0024
ENGINE = ReplacingMergeTree(version)
PARTITION BY tuple()
ORDER BY (project_id, trace_id, id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days) WHERE retention_days > 0
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

INSERT INTO scores
SELECT * FROM scores_0024 FINAL
SETTINGS do_not_merge_across_partitions_select_final = 0;

OPTIMIZE TABLE scores FINAL;

DROP TABLE scores_0024;
