package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code drms run export …} on the demo series, its refusals, show-info -p afterwards, and {@link DemoExport}. */
class ExportCommandTest {

    @TempDir
    static Path home;

    static String url;

    @BeforeAll
    static void setUp() {
        url = TestDatabase.newDatabase();
        assertThat(run("demo", "--records", "4").code()).isZero();
    }

    static CommandRun run(String... args) {
        return CommandRun.run(CommandRun.options(home, url), null, args);
    }

    @Test
    void runExportWritesTheTarAndShowInfoPathsStayValid() throws Exception {
        CommandRun r = run("run", "export", "requestId=JSOC_20261125_000042", "ds=demo.images[][1]{image}",
                "method=url-tar", "protocol=fits", "ffmt={seriesname}.{T_REC:A}.{CAMERA}.{segment}",
                "cparms=**NONE**", "--interval", "50ms");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("exportStep: read 2, written 2").contains(": COMPLETED (exit COMPLETED)");
        Path dir = home.resolve("exports").resolve("JSOC_20261125_000042");
        assertThat(dir.resolve("JSOC_20261125_000042.tar")).isRegularFile();
        assertThat(Files.readString(dir.resolve("index.txt")))
                .contains("demo.images[2010.05.01_00:00:00_TAI][1]{image}\tdemo.images.20100501_000000_TAI.1.image.fits");

        CommandRun info = run("show-info", "ds=demo.images[]", "seg=image", "-p");
        assertThat(info.code()).isZero();
        Matcher m = Pattern.compile("(/\\S+/image\\.fits)").matcher(info.out());
        int paths = 0;
        while (m.find()) {
            assertThat(Path.of(m.group(1))).isRegularFile();
            paths++;
        }
        assertThat(paths).isEqualTo(4);
    }

    @Test
    void badParametersAreAUserErrorNamingTheProblem() {
        CommandRun r = run("run", "export", "ds=demo.images[]", "ffmt={seriesname}/{segment}");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("would leave the export directory");
        CommandRun q = run("run", "export", "ds=demo.images[2010.05.01");
        assertThat(q.code()).isEqualTo(1);
        assertThat(q.err()).contains("bad query");
    }

    @Test
    void theDemosExportReadsItsFilesBack() throws Exception {
        DrmsCommand drms = new DrmsCommand();
        drms.home = home;
        drms.properties = List.of("spring.datasource.url=" + url, "spring.datasource.username=" + TestDatabase.user());
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            DemoExport.run(drms, "demo.images[]");
        } finally {
            System.setOut(oldOut);
            drms.close();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        oldOut.println(text);
        assertThat(text).contains("4 files").contains("4 files read back: checksums verified");
    }
}
