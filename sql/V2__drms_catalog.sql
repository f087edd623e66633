-- DRMS master tables (specs/drms.md §0). Series tables themselves are created at run time, one per series,
-- as <namespace>.<name> with the namespace as a PostgreSQL schema.
CREATE SCHEMA IF NOT EXISTS drms;

CREATE TABLE drms.drms_series (
    seriesname       text PRIMARY KEY,          -- lower-cased <namespace>.<name>
    displayname      text NOT NULL,             -- as written in the JSD
    author           text,
    owner            text,
    unitsize         integer NOT NULL,
    archive          integer NOT NULL,
    retention        integer NOT NULL,          -- new-SU retention (days)
    stagingretention integer NOT NULL,          -- staged-SU retention (days)
    tapegroup        integer NOT NULL,
    primary_idx      text NOT NULL,             -- external prime keys, comma separated
    dbidx            text NOT NULL,
    description      text,
    version          text,
    created          timestamptz NOT NULL DEFAULT now(),
    definition       jsonb NOT NULL             -- the whole SeriesDefinition
);

CREATE TABLE drms.drms_keyword (
    seriesname  text NOT NULL REFERENCES drms.drms_series ON DELETE CASCADE,
    keywordname text NOT NULL,
    linkname    text,
    targetkeyw  text,
    type        text NOT NULL,
    defaultval  text,
    format      text,
    unit        text,
    recscope    text,
    islink      boolean NOT NULL,
    isconstant  boolean NOT NULL,
    persegment  boolean NOT NULL,
    isimplicit  boolean NOT NULL,
    rank        integer NOT NULL,
    description text,
    PRIMARY KEY (seriesname, keywordname)
);

CREATE TABLE drms.drms_link (
    seriesname        text NOT NULL REFERENCES drms.drms_series ON DELETE CASCADE,
    linkname          text NOT NULL,
    target_seriesname text NOT NULL,
    type              text NOT NULL,
    description       text,
    PRIMARY KEY (seriesname, linkname)
);

CREATE TABLE drms.drms_segment (
    seriesname  text NOT NULL REFERENCES drms.drms_series ON DELETE CASCADE,
    segmentname text NOT NULL,
    segnum      integer NOT NULL,
    scope       text NOT NULL,
    type        text NOT NULL,
    naxis       integer NOT NULL,
    axis        text NOT NULL,
    unit        text,
    protocol    text,
    cparms      text,
    description text,
    islink      boolean NOT NULL,
    linkname    text,
    targetseg   text,
    PRIMARY KEY (seriesname, segmentname)
);

-- A DRMS session: one per database transaction that writes records. backend_pid and backend_start identify the
-- PostgreSQL backend holding the session's transaction; the row is committed on its own connection while that
-- transaction runs, so the session is live exactly while that backend runs a transaction that started no later
-- than the row's starttime. That is how the start-up sweep tells a live session from a dead one.
CREATE SEQUENCE drms.drms_sessionid_seq;
CREATE TABLE drms.drms_session (
    sessionid     bigint PRIMARY KEY,
    sessionns     text NOT NULL,
    username      text,
    hostname      text,
    pid           bigint,
    backend_pid   integer,
    backend_start timestamptz,
    starttime     timestamptz NOT NULL DEFAULT now(),
    endtime       timestamptz,
    status        text NOT NULL                -- open, committed, aborted
);
