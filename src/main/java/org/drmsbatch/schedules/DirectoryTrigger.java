package org.drmsbatch.schedules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.jobs.ingest.Inbox;
import org.drmsbatch.jobs.ingest.IngestJobConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory trigger: polls its inbox every interval and starts its job when complete files are there (settled:
 * unmodified for {@code drms.ingest.settle}, not hidden nor {@code .part}; see {@link Inbox}). At most one run at a
 * time: while a run is going nothing is started, and the files that arrived meanwhile are covered by the next run,
 * started at the first look after it ended. A listing (names, sizes, times) that a run has already been started for
 * starts none again (so a file the job leaves in place, e.g. an incomplete one, does not restart it at every look).
 */
public final class DirectoryTrigger {

    private static final Logger log = LoggerFactory.getLogger(DirectoryTrigger.class);

    private final String name;
    private final TriggerDefinition definition;
    private final Inbox inbox;
    private final JobControl jobs;
    private Long running;
    private String startedFor;

    public DirectoryTrigger(String name, TriggerDefinition definition, Duration settle, JobControl jobs) {
        this.name = name;
        this.definition = definition;
        this.inbox = new Inbox(definition.directory(), settle);
        this.jobs = jobs;
    }

    /** One look: starts a run when settled files are there, none is going and none was started for them. */
    public synchronized void tick() {
        if (running != null) {
            JobRun r = jobs.view(running);
            if (!r.ended()) {
                return;
            }
            log.info("trigger {}: {} execution {} ended {}", name, r.job(), r.executionId(), r.status());
            running = null;
        }
        if (!Files.isDirectory(definition.directory())) {
            return;
        }
        String listing;
        try {
            listing = listing(inbox.candidates());
        } catch (IOException e) {
            log.warn("trigger {}: cannot list {}: {}", name, definition.directory(), e.toString());
            return;
        }
        if (listing.isEmpty() || listing.equals(startedFor)) {
            return;
        }
        Map<String, String> parameters = new LinkedHashMap<>(definition.parameters());
        if (definition.job().equals(IngestJobConfiguration.JOB)) {
            parameters.putIfAbsent("inbox", definition.directory().toString());
        }
        startedFor = listing;
        JobRun run = jobs.start(definition.job(), parameters);
        running = run.executionId();
        log.info("trigger {}: files in {}: started {} execution {}", name, definition.directory(), definition.job(),
                running);
    }

    /** The execution started last (null: none, or it has been seen ended). */
    public synchronized Long running() {
        return running;
    }

    private static String listing(List<Path> files) {
        StringBuilder b = new StringBuilder();
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                b.append(f.getFileName()).append('\t').append(a.size()).append('\t')
                        .append(a.lastModifiedTime().toMillis()).append('\n');
            } catch (IOException gone) {
                // taken meanwhile
            }
        }
        return b.toString();
    }
}
