-- The ingest job (jobs/ingest): a file of an inbox that became a record. The row is written in the chunk's
-- transaction, with the record; the inbox file is deleted after the commit. Should the process die between the
-- commit and that delete, the next run of the inbox finds the row and the file (same name, size and modification
-- time) and deletes the file instead of ingesting it again. Rows are removed once their file is gone.
CREATE TABLE drms_ingested_file (
    inbox     text   NOT NULL,        -- the inbox directory, real path
    name      text   NOT NULL,        -- the file's name in the inbox
    size      bigint NOT NULL,
    mtime_ms  bigint NOT NULL,        -- the file's last-modified time, ms since 1970
    series    text   NOT NULL,
    recnum    bigint NOT NULL,
    ingested  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (inbox, name)
);
