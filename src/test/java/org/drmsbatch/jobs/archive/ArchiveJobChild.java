package org.drmsbatch.jobs.archive;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A child process for the archive kill test: starts {@code archive} slowly (a pause per unit after its chunk's tape
 * files are written, before the chunk commits), prints {@code EXECUTION <id>}, then {@code COMMITTED <n>} once at
 * least {@code chunks} chunks are committed and a later chunk has written tape files past the volume's committed
 * end (so the kill leaves them there), and runs on until it is killed. Like
 * {@link org.drmsbatch.jobs.JobChild}, which cannot see the volumes.
 *
 * <p>Arguments: jdbc-url user home series chunk-size delay-millis chunks
 */
public final class ArchiveJobChild {

    /** tar's end-of-archive blocks after a volume's last tape file. */
    static final long TAR_EOF = 1024;

    private ArchiveJobChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DrmsApplication.class)
                .web(WebApplicationType.NONE).logStartupInfo(false)
                .run("--spring.datasource.url=" + args[0], "--spring.datasource.username=" + args[1],
                        "--drms.home=" + args[2], "--drms.sweep-on-start=false",
                        "--" + FaultInjectionTestConfiguration.PROPERTY, "--" + ArchiveKillTest.TAPE_DIRECTORY,
                        "--drms.tape.time-scale=0");
        JobControl jobs = context.getBean(JobControl.class);
        JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
        TarTapeLibrary library = context.getBean(TarTapeLibrary.class);
        long id = jobs.launch(ArchiveJobConfiguration.JOB, Map.of("series", args[3], "chunkSize", args[4],
                "delay", args[5] + ",java.lang.Long,false")).getId();
        out.println("EXECUTION " + id);
        out.flush();
        int chunks = Integer.parseInt(args[6]);
        while (true) { // the repository and the volumes are all there is to watch: poll them
            JobRun run = jobs.view(id);
            long committed = run.steps().isEmpty() ? 0 : run.steps().get(0).commit();
            if (committed >= chunks && uncommittedTapeFiles(jdbc, library)) {
                out.println("COMMITTED " + committed);
                out.flush();
                break;
            }
            if (run.ended()) {
                out.println("ENDED " + run.status());
                out.flush();
                break;
            }
            Thread.sleep(5);
        }
        Thread.sleep(Long.MAX_VALUE); // until killed
    }

    /** Whether a volume holds more than its committed tape files (and tar's end blocks after them). */
    static boolean uncommittedTapeFiles(JdbcTemplate jdbc, TarTapeLibrary library) throws Exception {
        for (Map<String, Object> v : jdbc.queryForList("SELECT tapeid, end_bytes FROM sums.sum_tape")) {
            Path file = library.file((String) v.get("tapeid"));
            if (Files.exists(file) && Files.size(file) > ((Number) v.get("end_bytes")).longValue() + TAR_EOF) {
                return true;
            }
        }
        return false;
    }
}
