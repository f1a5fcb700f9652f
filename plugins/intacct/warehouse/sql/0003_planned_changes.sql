-- A dry run's plan: one row per planned change, written in chunks while the plan is produced, so that a
-- plan of any size is read from here rather than held in memory. A dry run writes nothing else but its run
-- row. Rows hold what a person reads (keys, reason, details without secrets), never the values to write.
CREATE TABLE IF NOT EXISTS intacct_planned_changes (
    change_id           {{serial_pk}},
    run_id              TEXT NOT NULL,
    object              TEXT NOT NULL,
    direction           TEXT NOT NULL,          -- to_bc | to_intacct
    action              TEXT NOT NULL,          -- create | update | link | deactivate | conflict | reject | skip
    bc_key              TEXT,
    intacct_key         TEXT,
    reason              TEXT,
    errorno             TEXT,
    details             {{json}},
    planned_at          {{timestamp}} NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_intacct_planned_changes_run ON intacct_planned_changes (run_id, object, change_id);
