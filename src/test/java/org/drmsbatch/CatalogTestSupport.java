package org.drmsbatch;

import java.nio.file.Path;

import javax.sql.DataSource;

import org.drmsbatch.drms.Drms;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the tests that run the whole application context: each test class gets a fresh database (from
 * {@link TestDatabase}) and a fresh {@code drms.home}.
 */
@SpringBootTest
public abstract class CatalogTestSupport {

    @TempDir
    protected static Path home;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    @Autowired
    protected Drms drms;

    @Autowired
    protected DataSource dataSource;
}
