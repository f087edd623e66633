package org.drmsbatch.jobs;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The product's {@link ChunkHooks}: none (a test configuration puts its own, {@code @Primary}, beside it). */
@Configuration(proxyBeanMethods = false)
public class ChunkHooksConfiguration {

    @Bean
    ChunkHooks chunkHooks() {
        return ChunkHooks.NONE;
    }
}
