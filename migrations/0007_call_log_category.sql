-- The call log filtered by category (console and CSV export) starts from the needs of that category in the period
-- (CallLogStore bounds n.created_at by the period's start). Without this index it walked every need of the period:
-- 29 ms p50 for the first page over 10 million calls (docs/benchmarks.md).
CREATE INDEX needs_category_created ON needs (category, created_at DESC);
