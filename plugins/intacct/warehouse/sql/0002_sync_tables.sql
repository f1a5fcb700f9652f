-- Tables the sync keeps for itself (prefix intacct_), never extra columns on BC tables.

-- One row per linked pair: the BC row and the Intacct record, with the last-synced values of the synced
-- fields (the "base" of the three-way diff) and their hash.
CREATE TABLE IF NOT EXISTS intacct_links (
    object              TEXT NOT NULL,          -- accounts | vendors | bills
    company_id          TEXT NOT NULL,
    bc_key              TEXT NOT NULL,
    intacct_key         TEXT NOT NULL,          -- ACCOUNTNO, VENDORID or APBILL RECORDNO
    intacct_record_no   BIGINT,
    snapshot            {{json}},
    snapshot_hash       TEXT,
    intacct_modified_at {{timestamp}},
    synced_at           {{timestamp}} NOT NULL,
    PRIMARY KEY (object, company_id, bc_key),
    CONSTRAINT uq_intacct_links_intacct_key UNIQUE (object, company_id, intacct_key)
);

-- Incremental cursors per entity and object: Intacct (WHENMODIFIED, RECORDNO) of the last committed page,
-- the BC-side "changed since" time, and when deletes were last reconciled by a keys-only read.
CREATE TABLE IF NOT EXISTS intacct_watermarks (
    entity_id           TEXT NOT NULL,
    object              TEXT NOT NULL,
    modified_at         {{timestamp}},
    record_no           BIGINT,
    bc_changed_since    {{timestamp}},
    last_reconciled_at  {{timestamp}},
    updated_at          {{timestamp}} NOT NULL,
    PRIMARY KEY (entity_id, object)
);

-- One row per run; BC users and data engineers read it.
CREATE TABLE IF NOT EXISTS intacct_runs (
    run_id              TEXT NOT NULL PRIMARY KEY,
    entity_id           TEXT NOT NULL,
    company_id          TEXT NOT NULL,
    triggered_by        TEXT NOT NULL,          -- scheduled | sync_now
    options             {{json}},
    started_at          {{timestamp}} NOT NULL,
    finished_at         {{timestamp}},
    status              TEXT NOT NULL,          -- running | succeeded | partial | failed | dry_run
    counts              {{json}},
    api_calls           INTEGER,
    api_calls_by_object {{json}},
    failures            {{json}},               -- object -> error text, while that object's sync has failed
    message             TEXT
);
CREATE INDEX IF NOT EXISTS ix_intacct_runs_entity_started ON intacct_runs (entity_id, started_at);

-- One row per record-level outcome of a run.
CREATE TABLE IF NOT EXISTS intacct_record_outcomes (
    outcome_id          {{serial_pk}},
    run_id              TEXT NOT NULL,
    object              TEXT NOT NULL,
    direction           TEXT NOT NULL,          -- to_bc | to_intacct
    bc_key              TEXT,
    intacct_key         TEXT,
    action              TEXT NOT NULL,          -- created | updated | linked | deactivated | conflict | rejected | skipped
    reason              TEXT,
    errorno             TEXT,
    details             {{json}},
    recorded_at         {{timestamp}} NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_intacct_record_outcomes_run ON intacct_record_outcomes (run_id, object);
CREATE INDEX IF NOT EXISTS ix_intacct_record_outcomes_key ON intacct_record_outcomes (object, bc_key);

-- Rows currently rejected: retried by every later run until they succeed or change.
CREATE TABLE IF NOT EXISTS intacct_rejections (
    object              TEXT NOT NULL,
    company_id          TEXT NOT NULL,
    direction           TEXT NOT NULL,
    record_key          TEXT NOT NULL,
    reason              TEXT NOT NULL,
    errorno             TEXT,
    attempts            INTEGER NOT NULL,
    first_rejected_at   {{timestamp}} NOT NULL,
    last_rejected_at    {{timestamp}} NOT NULL,
    PRIMARY KEY (object, company_id, direction, record_key)
);

-- Crash-safety journal: an intent is written before an Intacct write and removed once the outcome is
-- recorded on the BC side. A row left behind means "outcome unknown": the next run looks the record up
-- by its business key before writing again.
CREATE TABLE IF NOT EXISTS intacct_pending_writes (
    object              TEXT NOT NULL,
    company_id          TEXT NOT NULL,
    write_key           TEXT NOT NULL,
    operation           TEXT NOT NULL,          -- create | update
    bc_key              TEXT NOT NULL,
    intacct_key         TEXT,
    run_id              TEXT NOT NULL,
    created_at          {{timestamp}} NOT NULL,
    PRIMARY KEY (object, company_id, write_key)
);
