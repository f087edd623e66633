-- Staging requests (specs/staging-and-buffer.md A.4, B): a client asks for files to come off tape; the staging
-- service stages their storage units (the stage job), marks each file ready or in error, and tells the client
-- (an MWA callback, or the WLCG Tape REST API's poll). A request is stored, with its files, before it is answered.
CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE staging.request (
    id                bigserial PRIMARY KEY,
    token             text NOT NULL UNIQUE,       -- the id clients see for WLCG and drms requests (a UUID)
    kind              text NOT NULL CHECK (kind IN ('mwa', 'wlcg', 'drms')),
    job_id            bigint,                      -- MWA: the caller's job id
    notify_url        text,                        -- MWA: where the JobResult is posted
    query             text,                        -- the record-set query the request named, if it named one
    created           timestamptz NOT NULL DEFAULT now(),
    expires           timestamptz NOT NULL,
    -- active: files waiting; completed: every file ready or in error, the callback not yet delivered;
    -- notified: the callback was delivered (or there is none); expired: given up at expiry (reported once);
    -- cancelled: by the client (DELETE)
    state             text NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'completed', 'notified', 'expired', 'cancelled')),
    completed_at      timestamptz,
    return_code       integer,
    comment           text,
    callback_attempts integer NOT NULL DEFAULT 0,
    callback_next     timestamptz,                 -- when the callback is (re)tried
    callback_error    text,                        -- why the last attempt failed
    notified_at       timestamptz,
    total_files       integer NOT NULL
);
-- a caller's job id names one live MWA request; once it has ended, the id may be used again
CREATE UNIQUE INDEX request_mwa_job ON staging.request (job_id) WHERE kind = 'mwa' AND state IN ('active', 'completed');
CREATE INDEX request_live ON staging.request (state) WHERE state IN ('active', 'completed');

CREATE TABLE staging.file (
    request_id  bigint NOT NULL REFERENCES staging.request ON DELETE CASCADE,
    path        text NOT NULL,                     -- as the client named it (sanitised)
    sunum       bigint,                            -- its storage unit (null: the path names none)
    state       text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'ready', 'error', 'cancelled')),
    reason      text,                              -- why it is in error
    batch       bigint,                            -- the stage batch last asked to read its unit
    asked_at    timestamptz,                       -- when that batch was made (a file still waiting is asked again
                                                   -- drms.staging.restage-interval later)
    started_at  timestamptz,                       -- when a stage job was first asked for its unit
    finished_at timestamptz,                       -- when it became ready, in error or cancelled
    released    boolean NOT NULL DEFAULT false,    -- WLCG release: the client needs it on disk no longer
    PRIMARY KEY (request_id, path)
);
CREATE INDEX file_waiting ON staging.file (sunum) WHERE state = 'waiting';
CREATE INDEX file_batch ON staging.file (batch) WHERE state = 'waiting';

CREATE SEQUENCE staging.batch_seq;

-- Failure reports (MWA's failed/<job_id>.txt): kept until they expire, also written as text files.
CREATE TABLE staging.report (
    request_id bigint PRIMARY KEY REFERENCES staging.request ON DELETE CASCADE,
    job_id     bigint,
    created    timestamptz NOT NULL DEFAULT now(),
    expires    timestamptz NOT NULL,
    text       text NOT NULL
);
CREATE INDEX report_job ON staging.report (job_id);
