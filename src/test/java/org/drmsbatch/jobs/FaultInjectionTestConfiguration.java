package org.drmsbatch.jobs;

import java.util.Set;

import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * The tests' {@link ChunkHooks} (on when {@code drms.test.chunk-hooks=true}): the jobs {@code collect},
 * {@code rescale} and {@code export} then also take
 * <ul>
 * <li>{@code failAt}: the item of each step execution (1-based; of each partition for rescale) at which the step
 *     fails with "failing at item N (...) as asked (failAt)"; 0 or absent for none;</li>
 * <li>{@code delay}: milliseconds of pause per item (0..60000), so that a test can stop or kill a running job.</li>
 * </ul>
 * Pass them non-identifying ({@code failAt=5,java.lang.Long,false}) so that a restart may change them. The product
 * has no such parameters: see {@link ChunkHooksConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "drms.test.chunk-hooks", havingValue = "true")
public class FaultInjectionTestConfiguration {

    public static final String PROPERTY = "drms.test.chunk-hooks=true";

    /** Fails at one item, pauses at each, as the parameters say. */
    static final class FaultInjection implements ChunkHooks {

        @Override
        public Set<String> parameters() {
            return Set.of("failAt", "delay");
        }

        @Override
        public Hook forStep(JobParameters parameters) {
            ParameterText text = new ParameterText(ParsedParameters.text(parameters));
            long failAt = text.integer("failAt", 0, 0, Long.MAX_VALUE);
            long delay = text.integer("delay", 0, 0, 60_000);
            if (failAt == 0 && delay == 0) {
                return Hook.NONE;
            }
            return (n, item) -> {
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                if (n == failAt) {
                    throw new IllegalStateException("failing at item " + n + " (" + item + ") as asked (failAt)");
                }
            };
        }
    }

    @Bean
    @Primary
    ChunkHooks faultInjection() {
        return new FaultInjection();
    }
}
