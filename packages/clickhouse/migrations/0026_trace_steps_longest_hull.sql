-- The longest hull of hours among a project's traces, kept by an aggregate projection of
-- calls_trace_steps (0011): max(max_hour - min_hour) per project, read from a few bytes per part
-- instead of every trace's hours (34 against 5-8 ms at 7.5M traces). The efficiency analysis
-- (packages/analytics/src/analyses/efficiency.ts) bounds by it the hours next to a range's bounds
-- where a trace with calls on both sides must have one. Over every part it is at least the longest
-- hull of the largest part, whose rows are whole traces; a trace with rows in other parts is
-- handled apart there. Rebuilt with each merge, as the table's other projections ('rebuild', 0021).
ALTER TABLE calls_trace_steps ADD PROJECTION IF NOT EXISTS longest_hull
(
    SELECT project_id, max(max_hour - min_hour)
    GROUP BY project_id
);
ALTER TABLE calls_trace_steps MATERIALIZE PROJECTION longest_hull SETTINGS mutations_sync = 2;
