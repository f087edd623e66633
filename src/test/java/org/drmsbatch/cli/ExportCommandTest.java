package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drms run export …} on the demo series, its refusals, show-info -p afterwards, and {@link DemoExport}: the
 * exported files are read back here and compared with the images the demo wrote.
 */
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
    void runExportWritesTheTarOfTheSelectedImagesAndShowInfoPathsStayValid() throws Exception {
        CommandRun r = run("run", "export", "requestId=JSOC_20261125_000042", "ds=demo.images[][1]{image}",
                "method=url-tar", "protocol=fits", "ffmt={seriesname}.{T_REC:A}.{CAMERA}.{segment}",
                "cparms=**NONE**", "--interval", "50ms");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(": COMPLETED (exit COMPLETED)");
        Path dir = home.resolve("exports").resolve("JSOC_20261125_000042");
        assertThat(dir.resolve("JSOC_20261125_000042.tar")).isRegularFile();
        assertThat(Files.readString(dir.resolve("index.txt")))
                .contains("demo.images[2010.05.01_00:00:00_TAI][1]{image}\tdemo.images.20100501_000000_TAI.1.image.fits");
        // the tar holds camera 1's images (the demo's records 0 and 2), each whole and equal to the image written
        Path unpacked = Files.createTempDirectory(home, "tar");
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                Files.newInputStream(dir.resolve("JSOC_20261125_000042.tar")))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    Files.copy(tar, unpacked.resolve(Path.of(e.getName()).getFileName().toString()));
                }
            }
        }
        DrmsCommand cmd = DemoChecks.command(home, url);
        try {
            Drms drms = cmd.bean(Drms.class);
            Map<Long, double[]> images = DemoChecks.assertDemoImages(drms, "demo.images");
            Set<Long> camera1 = new HashSet<>();
            for (Record rec : drms.<List<Record>>read(s -> s.open("demo.images", 0))) {
                if (rec.getInt("CAMERA") == 1) {
                    camera1.add(rec.recnum());
                }
            }
            images.keySet().retainAll(camera1);
            assertThat(images).hasSize(2);
            DemoChecks.assertExported(unpacked, "image", images);
        } finally {
            cmd.close();
        }

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
    void theDemosExportWritesEachImageOnceWholeAndEqualToItsRecord() throws Exception {
        Set<Path> before = DemoChecks.exportDirectories(home.resolve("exports"));
        DrmsCommand cmd = DemoChecks.command(home, url);
        try {
            DemoExport.run(cmd, "demo.images[]");
            Map<Long, double[]> images = DemoChecks.assertDemoImages(cmd.bean(Drms.class), "demo.images");
            assertThat(images).hasSize(4);
            Set<Path> exports = DemoChecks.exportDirectories(home.resolve("exports"));
            exports.removeAll(before);
            assertThat(exports).hasSize(1);
            DemoChecks.assertExported(exports.iterator().next(), "image", images);
        } finally {
            cmd.close();
        }
    }
}
