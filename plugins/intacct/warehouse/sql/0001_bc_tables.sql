-- Business Center tables, exactly as the warehouse contract defines them.
-- Placeholders ({{money}}, {{timestamp}}, {{date}}) are replaced per database by the migration runner so
-- that money is exact and timestamps are UTC on SQLite and PostgreSQL alike.

CREATE TABLE IF NOT EXISTS bc_accounts (
    company_id          TEXT NOT NULL,
    account_no          TEXT NOT NULL,
    title               TEXT NOT NULL,
    account_type        TEXT,
    normal_balance      TEXT,
    status              TEXT NOT NULL,
    intacct_record_no   BIGINT,
    intacct_modified_at {{timestamp}},
    synced_at           {{timestamp}} NOT NULL,
    PRIMARY KEY (company_id, account_no)
);

CREATE TABLE IF NOT EXISTS bc_vendors (
    company_id          TEXT NOT NULL,
    vendor_id           TEXT NOT NULL,
    intacct_vendor_id   TEXT,
    name                TEXT NOT NULL,
    email               TEXT,
    phone               TEXT,
    address_line1       TEXT,
    address_line2       TEXT,
    city                TEXT,
    state               TEXT,
    postal_code         TEXT,
    country             TEXT,
    tax_id              TEXT,
    payment_terms       TEXT,
    currency            TEXT,
    status              TEXT NOT NULL,
    updated_at          {{timestamp}} NOT NULL,
    PRIMARY KEY (company_id, vendor_id),
    CONSTRAINT uq_bc_vendors_intacct_vendor_id UNIQUE (company_id, intacct_vendor_id)
);

CREATE TABLE IF NOT EXISTS bc_bills (
    company_id          TEXT NOT NULL,
    bill_id             TEXT NOT NULL,
    intacct_record_no   BIGINT,
    vendor_id           TEXT NOT NULL,
    bill_number         TEXT,
    reference           TEXT,
    description         TEXT,
    bill_date           {{date}} NOT NULL,
    due_date            {{date}},
    payment_terms       TEXT,
    currency            TEXT,
    total_amount        {{money}} NOT NULL,
    amount_due          {{money}},
    status              TEXT NOT NULL,
    intacct_state       TEXT,
    updated_at          {{timestamp}} NOT NULL,
    PRIMARY KEY (company_id, bill_id),
    CONSTRAINT uq_bc_bills_intacct_record_no UNIQUE (company_id, intacct_record_no)
);

CREATE TABLE IF NOT EXISTS bc_bill_lines (
    company_id          TEXT NOT NULL,
    bill_id             TEXT NOT NULL,
    line_no             INTEGER NOT NULL,
    account_no          TEXT NOT NULL,
    amount              {{money}} NOT NULL,
    memo                TEXT,
    department_id       TEXT,
    location_id         TEXT,
    PRIMARY KEY (company_id, bill_id, line_no)
);

-- What the sync filters on: changes per company since a time, and the bill/vendor relation.
CREATE INDEX IF NOT EXISTS ix_bc_vendors_company_updated ON bc_vendors (company_id, updated_at);
CREATE INDEX IF NOT EXISTS ix_bc_bills_company_updated ON bc_bills (company_id, updated_at);
CREATE INDEX IF NOT EXISTS ix_bc_bills_company_vendor ON bc_bills (company_id, vendor_id);
CREATE INDEX IF NOT EXISTS ix_bc_bills_company_status ON bc_bills (company_id, status);
