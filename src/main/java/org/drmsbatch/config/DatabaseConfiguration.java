package org.drmsbatch.config;


import com.zaxxer.hikari.HikariDataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The database: the external server named by {@code spring.datasource.url} (or {@code DRMS_DB_URL}) when set,
 * otherwise the embedded server of {@code drms.home} ({@link EmbeddedDatabase}) behind a HikariCP pool.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DrmsProperties.class)
public class DatabaseConfiguration {

    @Bean(destroyMethod = "close")
    @Conditional(NoDatasourceUrl.class)
    EmbeddedDatabase embeddedDatabase(DrmsProperties properties) {
        return EmbeddedDatabase.open(properties.databaseDirectory(), properties.database().name());
    }

    @Bean(destroyMethod = "close")
    @Conditional(NoDatasourceUrl.class)
    HikariDataSource dataSource(EmbeddedDatabase embedded) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(embedded.jdbcUrl());
        ds.setUsername("postgres");
        ds.setPassword(embedded.password()); // from the home's password file; Hikari masks it in its own logs
        ds.setMaximumPoolSize(10);
        ds.setPoolName("drms-embedded");
        return ds;
    }

    static class NoDatasourceUrl implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty("spring.datasource.url");
            return url == null || url.isBlank();
        }
    }

}
