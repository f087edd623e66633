-- The cluster (issue 17, drms.cluster.*): the workers that take partitions of remote-partitioned steps over RabbitMQ,
-- and what became of each partition sent. Spring Batch's own tables say how a partition ended; these say who ran it.

-- One row per worker process (drms worker, drms serve --worker). A worker beats (last_beat) every
-- drms.cluster.heartbeat; the manager declares one whose beat is older than drms.cluster.dead-after dead
-- (state 'dead'), and a chunk of a dead worker cannot commit: each chunk of a remote partition reads its worker's row
-- FOR SHARE in its own transaction and fails unless the worker is 'running' (the fence).
CREATE TABLE drms.cluster_worker (
    worker_id  text        PRIMARY KEY,          -- <host>:<pid>:<start millis>
    host       text        NOT NULL,
    pid        bigint      NOT NULL,
    queue      text        NOT NULL,              -- the queue it takes partitions from (drms.cluster.queue)
    started    timestamptz NOT NULL DEFAULT now(),
    last_beat  timestamptz NOT NULL DEFAULT now(),
    state      text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'refusing', 'stopped', 'dead')),
    reason     text                               -- why it refuses partitions, or why it was declared dead
);

-- One row per partition (partition step execution) sent to the workers.
CREATE TABLE drms.cluster_partition (
    step_execution_id bigint      PRIMARY KEY,    -- BATCH_STEP_EXECUTION
    job_execution_id  bigint      NOT NULL,
    step_name         text        NOT NULL,       -- the worker step, e.g. rescaleWorker
    attempt           int         NOT NULL DEFAULT 1,  -- 1 + the times it was sent again to another worker
    sent              timestamptz NOT NULL DEFAULT now(),
    worker_id         text,                       -- the worker that claimed it (the one running it)
    claimed           timestamptz,
    refused_by        text,                       -- the last worker that refused it, and why
    refusal           text
);
CREATE INDEX cluster_partition_job ON drms.cluster_partition (job_execution_id);
