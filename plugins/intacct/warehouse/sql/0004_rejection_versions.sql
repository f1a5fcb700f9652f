-- The version of the BC record (its updated_at, and those of records it depends on) that Intacct refused: a
-- refused write is sent again only once one of them changed, so a run with nothing new to send stays quiet.
ALTER TABLE intacct_rejections ADD COLUMN record_version TEXT;
