-- D12: each environment's options carry a revision, like a version's
-- definition (V10). A save based on what the saver saw names it, and the
-- write happens only if the row is still at that revision (an unconfigured
-- environment, no row, is revision 0). Rows saved before this start at 1.
-- Kept in step with ../sqlite/20261207000011_option_revision.sql.
ALTER TABLE data_source_options ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
