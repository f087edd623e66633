package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;

import org.drmsbatch.schedules.Schedules;
import org.quartz.SchedulerException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The schedules ({@code drms.schedules.*}): {@code GET /api/schedules} lists them (cron, zone, job, state, next fire,
 * last fire and its run's status); {@code POST /api/schedules/{name}/pause} and {@code /resume} (role operate) pause
 * and resume one in the whole cluster. Errors are problem JSON ({@link JobProblems}).
 */
@RestController
@RequestMapping("/api/schedules")
@Tag(name = "Schedules", description = "The schedules (drms.schedules.*) of the cluster: list, pause, resume")
public class SchedulesController {

    private final Schedules schedules;

    public SchedulesController(Schedules schedules) {
        this.schedules = schedules;
    }

    @GetMapping
    @Operation(summary = "The schedules", description = "Cron, zone, job, state, next fire, last fire and its run's "
            + "status.")
    public List<Schedules.View> list() throws SchedulerException {
        return schedules.list();
    }

    @GetMapping("/{name}")
    @Operation(summary = "One schedule")
    public Schedules.View one(@PathVariable String name) throws SchedulerException {
        return schedules.view(name);
    }

    @PostMapping("/{name}/pause")
    @Operation(summary = "Pause a schedule in the whole cluster")
    public Schedules.View pause(@PathVariable String name) throws SchedulerException {
        return schedules.pause(name);
    }

    @PostMapping("/{name}/resume")
    @Operation(summary = "Resume a paused schedule in the whole cluster")
    public Schedules.View resume(@PathVariable String name) throws SchedulerException {
        return schedules.resume(name);
    }
}
