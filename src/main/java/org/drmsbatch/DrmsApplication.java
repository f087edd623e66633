package org.drmsbatch;

import org.drmsbatch.cli.DrmsCommand;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The drms-batch application. {@code main} is the {@code drms} command line. */
@SpringBootApplication
public class DrmsApplication {

    public static void main(String[] args) {
        System.exit(DrmsCommand.execute(args));
    }
}
