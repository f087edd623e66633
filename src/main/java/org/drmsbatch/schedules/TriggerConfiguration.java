package org.drmsbatch.schedules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.buffer.DataBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The triggers of {@code drms.triggers.<name>} ({@link TriggerDefinition}), run only in {@code drms serve}: each
 * looks at its directory or the buffer every interval on one thread shared by the triggers. A definition that cannot
 * work stops the start-up, naming the setting.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class TriggerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TriggerConfiguration.class);

    /** The triggers as defined. */
    public record Triggers(Map<String, DirectoryTrigger> directories, Map<String, BufferFreezeTrigger> freezes) {
    }

    @Bean
    Triggers triggers(Environment environment, JobControl jobs, ObjectProvider<DataBuffer> buffer,
            @Value("${drms.ingest.settle:2s}") Duration settle) {
        Map<String, TriggerDefinition> defs = Binder.get(environment)
                .bind("drms.triggers", Bindable.mapOf(String.class, TriggerDefinition.class)).orElse(Map.of());
        Map<String, DirectoryTrigger> directories = new java.util.TreeMap<>();
        Map<String, BufferFreezeTrigger> freezes = new java.util.TreeMap<>();
        defs.forEach((name, def) -> {
            def.check(name);
            if (def.type().equals(TriggerDefinition.DIRECTORY)) {
                jobs.job(def.job()); // fails naming an unknown job
                directories.put(name, new DirectoryTrigger(name, def, settle, jobs));
            } else {
                freezes.put(name, new BufferFreezeTrigger(name, def, buffer, jobs));
            }
        });
        return new Triggers(directories, freezes);
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService triggerLooks(Triggers triggers, Environment environment) {
        ScheduledExecutorService looks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "triggers");
            t.setDaemon(true);
            return t;
        });
        Map<String, TriggerDefinition> defs = Binder.get(environment)
                .bind("drms.triggers", Bindable.mapOf(String.class, TriggerDefinition.class)).orElse(Map.of());
        List<String> names = new ArrayList<>();
        triggers.directories().forEach((name, t) -> {
            schedule(looks, name, t::tick, defs.get(name).interval());
            names.add(name);
        });
        triggers.freezes().forEach((name, t) -> {
            schedule(looks, name, t::tick, defs.get(name).interval());
            names.add(name);
        });
        if (!names.isEmpty()) {
            log.info("Triggers: {}", names);
        }
        return looks;
    }

    private static void schedule(ScheduledExecutorService looks, String name, Runnable tick, Duration every) {
        looks.scheduleWithFixedDelay(() -> {
            try {
                tick.run();
            } catch (RuntimeException e) {
                log.warn("trigger {}: {}", name, e.toString());
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }
}
