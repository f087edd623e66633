-- SUMS tables (specs/drms.md §6), trimmed to what a single-site SUMS needs.
CREATE SCHEMA IF NOT EXISTS sums;

CREATE SEQUENCE sums.sum_ds_index_seq;

CREATE TABLE sums.sum_partn_avail (
    partn_name  text PRIMARY KEY,              -- absolute path of the partition root
    total_bytes bigint NOT NULL,
    avail_bytes bigint NOT NULL,
    pds_set_num integer NOT NULL DEFAULT 0     -- -1 = disabled for writing
);

-- One row per committed storage unit.
CREATE TABLE sums.sum_main (
    ds_index        bigint PRIMARY KEY,        -- the sunum
    online_loc      text NOT NULL,             -- <partition>/D<sunum>
    online_status   char(1) NOT NULL,          -- Y / N
    archive_status  char(1) NOT NULL,          -- Y / N
    offsite_ack     char(1) NOT NULL DEFAULT 'N',
    history_comment text,
    owning_series   text,
    storage_group   integer,
    storage_set     integer,
    bytes           bigint NOT NULL,
    create_sumid    bigint,                    -- DRMS session that created it
    creat_date      timestamptz NOT NULL DEFAULT now(),
    access_date     timestamptz NOT NULL DEFAULT now(),
    username        text,
    arch_tape       text,
    arch_tape_fn    integer,
    arch_tape_date  timestamptz
);

-- Working directories. status: DARW 1 (allocated, uncommitted), DADP 2 (delete pending at effective_date),
-- DAAP 4 (archive pending), DARO 8 (staged), DAPERM 16. effective_date is 'YYYYMMDDHHMM' as in SUMS ('0' unset).
CREATE TABLE sums.sum_partn_alloc (
    ds_index          bigint PRIMARY KEY,
    wd                text NOT NULL,
    sumid             bigint,                  -- DRMS session id
    status            integer NOT NULL,
    bytes             bigint NOT NULL DEFAULT 0,
    effective_date    text NOT NULL DEFAULT '0',
    archive_substatus integer NOT NULL DEFAULT 0,
    group_id          integer,
    creat_date        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sum_partn_alloc_status ON sums.sum_partn_alloc (status, effective_date);
CREATE INDEX sum_partn_alloc_session ON sums.sum_partn_alloc (sumid);

-- The identity of this catalog. Each SUMS partition carries it in a marker file (.drms-catalog), so that a
-- partition is never swept by, or shared with, another database.
CREATE TABLE sums.sum_catalog (
    id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sums.sum_catalog DEFAULT VALUES;
