package org.drmsbatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.sql.DataSource;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the tests that run the whole application context. They share one context (Spring caches it), so one
 * database from {@link TestDatabase} and one {@code drms.home} made for this test JVM: give each test its own
 * series names.
 */
@SpringBootTest(properties = FaultInjectionTestConfiguration.PROPERTY)
public abstract class CatalogTestSupport {

    protected static final Path home = newHome();

    private static Path newHome() {
        try {
            return Files.createTempDirectory("drms-test-home");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    @Autowired
    protected Drms drms;

    @Autowired
    protected DataSource dataSource;
}
