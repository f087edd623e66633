-- A worker being stopped (SIGTERM) is 'stopping' while it lets its running partitions end (drms.cluster.stop-grace):
-- it takes no more partitions, and the manager does not count it among the live workers that may take one.
ALTER TABLE drms.cluster_worker DROP CONSTRAINT cluster_worker_state_check;
ALTER TABLE drms.cluster_worker ADD CONSTRAINT cluster_worker_state_check
    CHECK (state IN ('running', 'refusing', 'stopping', 'stopped', 'dead'));
-- A partition a stopping worker stopped after a chunk and handed back: why (the manager sends it again with
-- drms.cluster.reassign, else the job ends STOPPED with this reason). Cleared when the partition is sent again.
ALTER TABLE drms.cluster_partition ADD COLUMN handed_back text;
