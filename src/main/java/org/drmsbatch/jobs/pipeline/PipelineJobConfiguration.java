package org.drmsbatch.jobs.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.query.RecordSets;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The pipelines of {@code drms.pipelines.<name>.steps}: one {@link Job} bean per pipeline, named
 * {@code <name>Pipeline}, whose job name is the pipeline's name, so that {@code drms run <name>}, the REST job API,
 * schedules and Airflow start it as any job. A bad definition stops the application at start-up with the reason.
 */
@Configuration(proxyBeanMethods = false)
public class PipelineJobConfiguration {

    /** The property prefix of the pipelines. */
    public static final String PREFIX = "drms.pipelines";

    /** How {@code drms.pipelines.<name>} binds. */
    public record PipelineProperties(List<StepProperties> steps) {
    }

    /** How {@code drms.pipelines.<name>.steps[i]} binds. */
    public record StepProperties(String job, Map<String, String> parameters) {
    }

    /** The pipelines the environment defines, checked. */
    public static List<PipelineDefinition> definitions(Environment environment) {
        Map<String, PipelineProperties> bound = Binder.get(environment)
                .bind(PREFIX, Bindable.mapOf(String.class, PipelineProperties.class)).orElse(Map.of());
        List<PipelineDefinition> out = new ArrayList<>();
        new java.util.TreeMap<>(bound).forEach((name, p) -> {
            List<PipelineDefinition.Step> steps = new ArrayList<>();
            if (p != null && p.steps() != null) {
                for (StepProperties s : p.steps()) {
                    steps.add(s == null ? null : new PipelineDefinition.Step(s.job(),
                            s.parameters() == null ? Map.of() : new LinkedHashMap<>(s.parameters())));
                }
            }
            out.add(new PipelineDefinition(name, steps));
        });
        return out;
    }

    /**
     * The records whose status in {@code statusStep} is failed ({@link RecordStatus}), those of {@code ds} or, when
     * it is null, all of them, as the query {@code series[? recnum IN (...) ?]} (one per series, comma-separated);
     * null when none is.
     */
    static String failedRecords(Drms drms, RecordSets recordSets, String ds, String statusStep) {
        Map<String, List<Long>> failed = drms.read(s -> RecordStatus.failedIn(s.connection(), statusStep));
        if (failed.isEmpty()) {
            return null;
        }
        java.util.Set<RecordStatus.Key> selected = null;
        if (ds != null) {
            selected = new java.util.HashSet<>();
            for (Record r : recordSets.open(ds, 0)) {
                selected.add(RecordStatus.Key.of(r));
            }
        }
        List<String> sets = new ArrayList<>();
        for (Map.Entry<String, List<Long>> e : failed.entrySet()) {
            java.util.Set<RecordStatus.Key> in = selected;
            List<String> ids = e.getValue().stream()
                    .filter(recnum -> in == null || in.contains(new RecordStatus.Key(e.getKey(), recnum)))
                    .map(String::valueOf).toList();
            if (!ids.isEmpty()) {
                sets.add(e.getKey() + "[? recnum IN (" + String.join(",", ids) + ") ?]");
            }
        }
        return sets.isEmpty() ? null : String.join(",", sets);
    }

    @Bean
    static BeanDefinitionRegistryPostProcessor pipelineJobRegistrar() {
        return new Registrar();
    }

    static final class Registrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

        private Environment environment;

        @Override
        public void setEnvironment(Environment environment) {
            this.environment = environment;
        }

        @Override
        public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
            BeanFactory beans = (BeanFactory) registry;
            for (PipelineDefinition pipeline : definitions(environment)) {
                RootBeanDefinition definition = new RootBeanDefinition(Job.class, () -> PipelineJobs.job(pipeline,
                        beans.getBean(JobRepository.class), beans.getBean(ChildJobs.class),
                        (ds, job) -> failedRecords(beans.getBean(Drms.class), beans.getBean(RecordSets.class), ds,
                                job)));
                registry.registerBeanDefinition(pipeline.name() + "Pipeline", definition);
            }
        }
    }
}
