package org.drmsbatch.schedules;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/**
 * Quartz's job of every schedule: hands the fire to {@link Schedules#fire}. Not concurrent: in the whole cluster one
 * fire of a schedule runs at a time (a fire only launches: the job itself runs on the batch executor).
 */
@DisallowConcurrentExecution
public class ScheduleFireJob implements Job {

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        try {
            Schedules schedules = (Schedules) context.getScheduler().getContext().get(Schedules.CONTEXT_KEY);
            schedules.fire(context.getJobDetail().getKey().getName(), context.getScheduledFireTime(),
                    context.getMergedJobDataMap(), context.getScheduler().getSchedulerInstanceId());
        } catch (SchedulerException e) {
            throw new JobExecutionException(e);
        }
    }
}
