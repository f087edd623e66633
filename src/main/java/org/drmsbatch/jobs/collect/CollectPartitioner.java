package org.drmsbatch.jobs.collect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.partition.PartitionNameProvider;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The manager's side of a partitioned collect, one per execution of the partitioned step: before the split it
 * creates the series when missing and holds the buffer ({@link DataBuffer#hold}, in this process, which owns the
 * buffer: where a snapshot is asked for and refused); the split lists the buffer's files once, in the order a
 * collect reads them, and gives each partition a contiguous slice of that list, by name, in its ExecutionContext
 * ({@link BufferChunkReader#SLICE}), so that no partition can take a file that arrived later; when every partition
 * has ended it tells the buffer of the files the workers rejected and releases the hold.
 *
 * <p>A restart keeps the first run's partitions: Spring Batch restarts each unfinished partition from its saved
 * ExecutionContext (its slice and position) and keeps the first run's count, and the names here
 * ({@link PartitionNameProvider}) are those of the first run, so nothing is listed again.
 */
final class CollectPartitioner implements Partitioner, PartitionNameProvider, StepExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(CollectPartitioner.class);

    private final ObjectProvider<DataBuffer> buffer;
    private final Drms drms;
    private final JobRepository repository;
    private final String series;
    private final int partitions;
    private DataBuffer.Hold hold;

    /** @param partitions the partitions of a first run (a restart keeps those of the first run) */
    CollectPartitioner(ObjectProvider<DataBuffer> buffer, Drms drms, JobRepository repository, String series,
            int partitions) {
        this.buffer = buffer;
        this.drms = drms;
        this.repository = repository;
        this.series = series;
        this.partitions = partitions;
    }

    static String partitionName(int i) {
        return "partition" + i;
    }

    @Override
    public void beforeStep(StepExecution manager) {
        CollectJobConfiguration.ensureSeries(drms, series);
        // before the split lists the files: waits for a snapshot under way, refuses new ones until afterStep
        hold = buffer.getObject().hold(CollectJobConfiguration.JOB + " execution " + manager.getJobExecutionId());
        ExecutionContext c = manager.getExecutionContext();
        if (!c.containsKey(CollectJobConfiguration.PARTITIONS)) {
            c.putInt(CollectJobConfiguration.PARTITIONS, partitions);
        }
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        DataBuffer b = buffer.getObject();
        List<BufferChunkReader.Entry> files = BufferChunkReader.list(b);
        Map<String, ExecutionContext> out = new HashMap<>();
        for (int i = 0; i < gridSize; i++) {
            List<String> slice = new ArrayList<>();
            int from = (int) ((long) i * files.size() / gridSize);
            int to = (int) ((long) (i + 1) * files.size() / gridSize);
            for (BufferChunkReader.Entry e : files.subList(from, to)) {
                slice.add(e.name());
            }
            ExecutionContext c = new ExecutionContext();
            c.putString(BufferChunkReader.SLICE, BufferChunkReader.encode(slice));
            c.putString(BufferChunkReader.BUFFER, b.directory().toString());
            out.put(partitionName(i), c);
        }
        log.info("Collect: {} chunk file(s) of the buffer in {} partition(s)", files.size(), gridSize);
        return out;
    }

    @Override
    public List<String> getPartitionNames(int gridSize) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < gridSize; i++) {
            names.add(partitionName(i));
        }
        return names;
    }

    @Override
    public ExitStatus afterStep(StepExecution manager) {
        try {
            List<String> rejected = new ArrayList<>();
            int n = manager.getExecutionContext().getInt(CollectJobConfiguration.PARTITIONS, 0);
            for (int i = 0; i < n; i++) {
                StepExecution p = repository.getLastStepExecution(manager.getJobExecution().getJobInstance(),
                        CollectJobConfiguration.WORKER_STEP + ":" + partitionName(i));
                if (p != null && p.getJobExecutionId() == manager.getJobExecutionId()
                        && p.getExecutionContext().containsKey(BufferChunkReader.REJECTED)) {
                    rejected.addAll(BufferChunkReader.decode(
                            p.getExecutionContext().getString(BufferChunkReader.REJECTED)));
                }
            }
            if (!rejected.isEmpty()) {
                buffer.getObject().rejectedElsewhere(rejected);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Collect: cannot tell the buffer of the files the workers rejected: {}", e.toString());
        } finally {
            if (hold != null) {
                hold.close();
                hold = null;
            }
        }
        return null;
    }
}
