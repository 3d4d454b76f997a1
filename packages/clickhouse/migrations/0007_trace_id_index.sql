-- Bloom filter skip indexes for the trace view, which reads one trace's calls and spans: trace_id is
-- in neither sorting key, so without them it scans every part (4.2 s at 10M calls, bench/README.md).
-- Ids are random, so a trace's rows sit in a few granules and the filter skips the rest. On calls
-- the index is on the trace key (a call without trace_id is a trace of its own, its id), the
-- expression getTrace filters on. MATERIALIZE builds the index for parts written before this
-- migration (synchronously, so a store is fully indexed when migrate returns); new parts get it on
-- insert. About 1 byte per row each.
ALTER TABLE calls ADD INDEX IF NOT EXISTS calls_trace_key_bf if(empty(trace_id), id, trace_id) TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE calls MATERIALIZE INDEX calls_trace_key_bf SETTINGS mutations_sync = 2;
ALTER TABLE spans ADD INDEX IF NOT EXISTS spans_trace_id_bf trace_id TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE spans MATERIALIZE INDEX spans_trace_id_bf SETTINGS mutations_sync = 2;
