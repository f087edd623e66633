-- Per-record processing status (issue 14 item 4, Edelweiss' status/procX keywords, SuperDARN's summary logs): for
-- each input record and each job step that processed it, its state, why it failed, the job execution, host and time,
-- and the record it became. Written by the jobs in the chunk's transaction (a rolled-back chunk leaves no row).
CREATE SCHEMA IF NOT EXISTS status;

CREATE TABLE status.record_step (
    series         text   NOT NULL,             -- the input record's series (lower case)
    recnum         bigint NOT NULL,             -- the input record
    step           text   NOT NULL,             -- the job (e.g. rescale) that processed it
    state          text   NOT NULL CHECK (state IN ('queued', 'in_progress', 'good', 'failed')),
    reason         text,                         -- why it failed
    job_execution  bigint,
    host           text,
    updated        timestamptz NOT NULL DEFAULT now(),
    output_series  text,                         -- the record it became
    output_recnum  bigint,
    bytes          bigint NOT NULL DEFAULT 0,    -- bytes of the output's files
    millis         bigint NOT NULL DEFAULT 0,    -- time spent on it (its chunk's time shared out)
    PRIMARY KEY (series, recnum, step)
);
CREATE INDEX record_step_execution ON status.record_step (job_execution);
