package org.drmsbatch.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers of the job tests. */
final class JobTests {

    private JobTests() {
    }

    static Path newHome(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
