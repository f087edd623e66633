package org.drmsbatch.jobs.stage;

import java.util.List;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.ItemStreamSupport;

/**
 * Reads the storage units of one partition in the order the read plan gave them (volume by volume, each volume's
 * tape files in position order). Its position is kept in the step's ExecutionContext ({@value #READ}), committed
 * with each chunk, so a restarted partition goes on after its last committed chunk.
 */
public class PlannedUnitReader extends ItemStreamSupport implements ItemStreamReader<Long> {

    static final String READ = "stage.read";

    private final List<Long> sunums;
    private int next;

    public PlannedUnitReader(List<Long> sunums) {
        this.sunums = List.copyOf(sunums);
    }

    @Override
    public Long read() {
        return next < sunums.size() ? sunums.get(next++) : null;
    }

    @Override
    public void open(ExecutionContext context) {
        next = (int) Math.min(sunums.size(), context.getLong(READ, 0L));
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(READ, next);
    }
}
