-- A worker being stopped (SIGTERM) is 'stopping' while it lets its running partitions end (drms.cluster.stop-grace):
-- it takes no more partitions, and the manager does not count it among the live workers that may take one.
ALTER TABLE drms.cluster_worker DROP CONSTRAINT cluster_worker_state_check;
ALTER TABLE drms.cluster_worker ADD CONSTRAINT cluster_worker_state_check
    CHECK (state IN ('running', 'refusing', 'stopping', 'stopped', 'dead'));
