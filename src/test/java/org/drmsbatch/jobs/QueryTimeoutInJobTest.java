package org.drmsbatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code drms.query.timeout} holds inside jobs: the record-set queries a job's reader runs (in the chunk's
 * transaction) are cancelled when they take longer, and the job fails saying so, instead of waiting for ever.
 * The series' table is locked by another connection, so the reader's query waits until the timeout cancels it.
 */
@SpringBootTest(properties = "drms.query.timeout=2s")
class QueryTimeoutInJobTest {

    /** A context of its own (its own timeout), so a database and a home of its own. */
    static final Path HOME = JobTests.newHome("drms-query-timeout-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @Autowired
    Drms drms;
    @Autowired
    DataSource dataSource;
    @Autowired
    JobControl jobs;

    @Test
    void aJobsReaderQueryLongerThanTheTimeoutFailsTheJob() throws Exception {
        drms.createSeries(new JsdParser().parse("t.jsd", """
                Seriesname: qtime.locked
                PrimeKeys: N
                Keyword: N, int, variable, record, 0, "%d", none, "n"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("qtime.locked", 3);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("N", i);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        JobRun run;
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("LOCK TABLE qtime.locked IN ACCESS EXCLUSIVE MODE");
            }
            long id = jobs.start("export", Map.of("ds", "qtime.locked", "requestId", "qtime_locked",
                    "protocol", "as-is")).executionId();
            // well beyond the timeout; without it the reader would wait for the lock until it is released below
            run = JobTests.awaitEnd(jobs, id, 60);
            other.rollback();
        }
        assertThat(run.status()).as("%s", run).isEqualTo("FAILED");
        assertThat(run.exitDescription()).contains("statement timeout");
    }
}
