-- The tape library (specs/drms.md §6: sum_tape, sum_file, sum_main's arch_tape/safe_tape) and pins.

-- One row per volume (a tape cartridge: here one tar file in drms.tape.directory).
CREATE TABLE sums.sum_tape (
    tapeid     text PRIMARY KEY,                -- volume label, V00001L9
    group_id   integer NOT NULL,                -- the tape group whose storage units it holds
    nxtwrtfn   integer NOT NULL DEFAULT 1,      -- number of the next tape file written to it
    end_bytes  bigint NOT NULL DEFAULT 0,       -- committed end: where the next tape file starts
    capacity   bigint NOT NULL,
    closed     boolean NOT NULL DEFAULT false,  -- full: no more tape files are written to it
    damaged    text,                            -- why the last read of it failed (null: none failed)
    created    timestamptz NOT NULL DEFAULT now(),
    last_write timestamptz
);
CREATE INDEX sum_tape_open ON sums.sum_tape (group_id) WHERE NOT closed;

-- One row per committed tape file: a storage unit's copy on a volume, with its place and MD5.
CREATE TABLE sums.sum_file (
    tapeid    text NOT NULL REFERENCES sums.sum_tape,
    filenum   integer NOT NULL,
    ds_index  bigint NOT NULL,
    position  bigint NOT NULL,                  -- byte offset of the tape file in the volume
    bytes     bigint NOT NULL,                  -- length of the tape file
    md5cksum  text NOT NULL,                    -- MD5 of the tape file's bytes
    copy      smallint NOT NULL,                -- 1: the unit's arch_tape, 2: its safe_tape
    written   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tapeid, filenum)
);
CREATE INDEX sum_file_unit ON sums.sum_file (ds_index);

ALTER TABLE sums.sum_main
    ADD COLUMN md5cksum       text,             -- MD5 of the unit's first-copy tape file
    ADD COLUMN safe_tape      text,             -- the second copy (another tape group), if any
    ADD COLUMN safe_tape_fn   integer,
    ADD COLUMN safe_tape_date timestamptz;

-- A storage unit that must stay online: read by a running job (holder job:<execution id>) or asked for by a
-- staging request (holder request:<id>, until it expires). The scrub never takes a pinned unit.
CREATE TABLE sums.sum_pin (
    ds_index bigint NOT NULL,
    holder   text NOT NULL,
    expires  timestamptz,                       -- null: until the holder removes it (a job, when it ends)
    created  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ds_index, holder)
);
CREATE INDEX sum_pin_holder ON sums.sum_pin (holder);
