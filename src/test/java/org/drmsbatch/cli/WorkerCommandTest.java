package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drms worker} without the cluster configured: it says what to set and exits with a user's error, rather than
 * waiting for work it can never get. (The cluster itself is tested against a real broker in
 * {@code org.drmsbatch.cluster}.)
 */
class WorkerCommandTest {

    @TempDir
    Path dir;

    @Test
    void aWorkerWithoutTheClusterSaysWhatToSet() throws Exception {
        Path stderr = dir.resolve("stderr");
        ChildJvm jvm = ChildJvm.start(DrmsCommand.class, stderr, "--home", dir.resolve("home").toString(),
                "--set", "spring.datasource.url=" + TestDatabase.newDatabase(),
                "--set", "spring.datasource.username=" + TestDatabase.user(), "worker");
        assertThat(jvm.process().waitFor(120, TimeUnit.SECONDS)).as("drms worker ended").isTrue();
        assertThat(jvm.process().exitValue()).isEqualTo(DrmsCommand.USER_ERROR);
        assertThat(Files.readString(stderr)).contains("drms worker: a worker needs the cluster: set "
                + "drms.cluster.enabled=true (and drms.cluster.broker-url)");
    }
}
