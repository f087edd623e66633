package org.drmsbatch;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The drms-batch application context: component scanning from this package down. The {@code drms} command line
 * ({@code org.drmsbatch.cli.DrmsCommand}, the jar's main class) starts it; the application knows nothing of the
 * command line.
 */
@SpringBootApplication
public class DrmsApplication {
}
