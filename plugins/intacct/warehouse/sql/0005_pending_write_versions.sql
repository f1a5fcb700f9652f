-- The version of the BC record a journalled write sent (as 0004 keeps it for a refusal): after an
-- interrupted run, a create found in Intacct is linked with BC's values as the synced base only when BC has
-- not changed the record since, so an Intacct edit made in between is seen as Intacct's change.
ALTER TABLE intacct_pending_writes ADD COLUMN record_version TEXT;
