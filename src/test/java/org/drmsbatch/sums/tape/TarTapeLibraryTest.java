package org.drmsbatch.sums.tape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.drmsbatch.sums.tape.TapeLibrary.Drive;
import org.drmsbatch.sums.tape.TapeLibrary.DriveState;
import org.drmsbatch.sums.tape.TapeLibrary.TapeCounters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tar-file tape library without a database: what it writes is a tar file GNU tar and Commons Compress read,
 * tape files sit where their {@link TapeFile} says, reads restore byte-identical trees and refuse what was not
 * written (a flipped byte, a cut volume, an entry escaping its directory), drives are shared as a library's are, and
 * the counters and waits follow {@link TapeModel}.
 */
class TarTapeLibraryTest {

    /** A name longer than tar's 100-character name field. */
    static final String LONG_NAME = "hmi.M_45s.20260110_120000_TAI.2.magnetogram_".repeat(3) + "long.fits";

    @TempDir
    Path tmp;

    Path volumes;
    Path units;
    Path u1;
    Path u2;
    Path u3;
    /** A run of bytes found only in u2's data: where a test flips a byte of tape file 2. */
    final byte[] marker = "MARKER-of-unit-2-data-0123456789".getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void units() throws IOException {
        volumes = tmp.resolve("tapes");
        units = Files.createDirectories(tmp.resolve("units"));
        Random random = new Random(42);
        u1 = Files.createDirectories(units.resolve("D101"));
        write(u1.resolve("S00000/a.fits"), bytes(random, 10_000));
        write(u1.resolve("S00000/empty"), new byte[0]);
        write(u1.resolve("S00001/nested/deep/x.txt"), "deep\n".getBytes(StandardCharsets.US_ASCII));
        Files.createDirectories(u1.resolve("S00002/emptydir"));
        u2 = Files.createDirectories(units.resolve("D102"));
        assertThat(("D102/S00000/" + LONG_NAME).length()).isGreaterThan(100);
        ByteArrayOutputStream withMarker = new ByteArrayOutputStream();
        withMarker.write(bytes(random, 700));
        withMarker.write(marker);
        withMarker.write(bytes(random, 4000));
        write(u2.resolve("S00000/" + LONG_NAME), withMarker.toByteArray());
        write(u2.resolve("S00000/block.bin"), bytes(random, 512));
        u3 = Files.createDirectories(units.resolve("D103"));
        write(u3.resolve("S00000/big.bin"), bytes(random, 3 * 1024 * 1024));
    }

    TarTapeLibrary library(int drives) {
        return new TarTapeLibrary(volumes, drives, TapeModel.lto9().withCapacity(100_000_000L), 0);
    }

    /** Writes u1, u2, u3 as tape files 1, 2, 3 of a new volume. */
    List<TapeFile> writeThree(TarTapeLibrary lib, String volume) throws Exception {
        lib.create(volume);
        List<TapeFile> files = new ArrayList<>();
        try (Drive d = lib.mount(volume)) {
            d.truncate(0);
            files.add(d.append(1, "D101", u1));
            files.add(d.append(2, "D102", u2));
            files.add(d.append(3, "D103", u3));
            d.force();
        }
        return files;
    }

    @Test
    void aVolumeIsATarFileThatGnuTarAndCommonsCompressRead() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            List<TapeFile> files = writeThree(lib, "V00001L9");
            Path tar = lib.file("V00001L9");
            assertThat(tar).isEqualTo(volumes.resolve("V00001L9.tar"));

            List<String> expected = new ArrayList<>();
            expected.addAll(entries(u1));
            expected.addAll(entries(u2));
            expected.addAll(entries(u3));
            assertThat(expected).contains("D101/S00001/nested/deep/x.txt", "D102/S00000/" + LONG_NAME,
                    "D101/S00002/emptydir/");
            assertThat(run("tar", "-tf", tar.toString()).lines().toList())
                    .as("GNU tar lists exactly the units' entries").containsExactlyElementsOf(expected);

            Path out = Files.createDirectories(tmp.resolve("gnu"));
            run("tar", "-xf", tar.toString(), "-C", out.toString());
            assertThat(tree(out.resolve("D101"))).isEqualTo(tree(u1));
            assertThat(tree(out.resolve("D102"))).isEqualTo(tree(u2));
            assertThat(tree(out.resolve("D103"))).isEqualTo(tree(u3));
            try (Stream<Path> s = Files.list(out)) {
                assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("D101", "D102", "D103");
            }

            Map<String, byte[]> read = new TreeMap<>();
            try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
                TarArchiveEntry e;
                while ((e = in.getNextEntry()) != null) {
                    read.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
                }
            }
            assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(read.get("D103/S00000/big.bin")).isEqualTo(Files.readAllBytes(u3.resolve("S00000/big.bin")));
            assertThat(read.get("D102/S00000/" + LONG_NAME))
                    .isEqualTo(Files.readAllBytes(u2.resolve("S00000/" + LONG_NAME)));
            assertThat(read.get("D101/S00000/empty")).isEmpty();

            // each tape file is where its TapeFile says: one after the other, then tar's two zero blocks
            assertThat(files).extracting(TapeFile::volume).containsOnly("V00001L9");
            assertThat(files).extracting(TapeFile::fileNumber).containsExactly(1, 2, 3);
            assertThat(files.get(0).position()).isZero();
            assertThat(files.get(1).position()).isEqualTo(files.get(0).position() + files.get(0).bytes());
            assertThat(files.get(2).position()).isEqualTo(files.get(1).position() + files.get(1).bytes());
            long end = files.get(2).position() + files.get(2).bytes();
            byte[] volume = Files.readAllBytes(tar);
            assertThat(volume).hasSize((int) end + 1024);
            assertThat(slice(volume, end, 1024)).isEqualTo(new byte[1024]);
            Path[] dirs = {u1, u2, u3};
            for (int k = 0; k < 3; k++) {
                TapeFile f = files.get(k);
                assertThat(f.bytes() % 512).isZero();
                byte[] bytes = slice(volume, f.position(), f.bytes());
                assertThat(f.md5()).isEqualTo(md5(bytes));
                // the slice alone is a tar of exactly that unit's entries, for GNU tar and Commons Compress
                Path alone = tmp.resolve("file" + f.fileNumber() + ".tar");
                Files.write(alone, bytes);
                assertThat(run("tar", "-tf", alone.toString()).lines().toList())
                        .containsExactlyElementsOf(entries(dirs[k]));
                List<String> names = new ArrayList<>();
                try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(alone))) {
                    TarArchiveEntry e;
                    while ((e = in.getNextEntry()) != null) {
                        names.add(e.getName());
                    }
                }
                assertThat(names).containsExactlyElementsOf(entries(dirs[k]));
            }
        }
    }

    @Test
    void tapeBytesIsExactlyWhatAnAppendWrites() throws Exception {
        Path u5 = Files.createDirectories(units.resolve("D105"));
        String longDir = "d".repeat(95); // 100 bytes and more only with "D105/" before it and "/" after it
        write(u5.resolve(longDir + "/f"), new byte[1]);
        // a path of 600 bytes and more: an extended header of more than one block
        write(u5.resolve("x".repeat(200) + "/" + "y".repeat(200) + "/" + "z".repeat(200)), new byte[513]);
        try (TarTapeLibrary lib = library(1)) {
            lib.create("V1");
            try (Drive d = lib.mount("V1")) {
                d.truncate(0);
                int n = 1;
                for (Path u : List.of(u1, u2, u3, u5)) {
                    String name = u.getFileName().toString();
                    long expected = lib.tapeBytes(name, u);
                    assertThat(d.append(n++, name, u).bytes()).as(name).isEqualTo(expected);
                }
            }
            // u1 has no long name: one header per entry, data in whole blocks
            assertThat(lib.tapeBytes("D101", u1)).isEqualTo(10 * 512 + 10_240 + 512);
        }
        assertThat(run("tar", "-tf", volumes.resolve("V1.tar").toString())).contains("D105/" + longDir + "/f");
    }

    @Test
    void anAppendPastTheCapacityIsRefusedAndLeavesNothing() throws Exception {
        try (TarTapeLibrary lib = new TarTapeLibrary(volumes, 1, TapeModel.lto9().withCapacity(2_000_000L), 0)) {
            lib.create("V1");
            try (Drive d = lib.mount("V1")) {
                d.truncate(0);
                TapeFile f1 = d.append(1, "D101", u1);
                assertThatThrownBy(() -> d.append(2, "D103", u3)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("Volume V1 is full: tape file 2 (D103, ")
                        .hasMessageContaining("past its capacity of 2000000 bytes");
                assertThat(Files.size(lib.file("V1"))).isEqualTo(f1.bytes() + 1024);
                TapeFile f2 = d.append(2, "D102", u2);
                assertThat(f2.position()).isEqualTo(f1.bytes());
            }
            List<String> expected = new ArrayList<>(entries(u1));
            expected.addAll(entries(u2));
            assertThat(run("tar", "-tf", lib.file("V1").toString()).lines().toList())
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void readRestoresAByteIdenticalTree() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            List<TapeFile> files = writeThree(lib, "V00001L9");
            Path[] dirs = {u1, u2, u3};
            try (Drive d = lib.mount("V00001L9")) {
                for (int k : new int[] {2, 0, 1}) { // out of order: the head seeks back and forth
                    Path target = Files.createDirectories(tmp.resolve("restored/D10" + (k + 1)));
                    d.read(files.get(k), "D10" + (k + 1), target);
                    assertThat(tree(target)).as("tape file %d", k + 1).isEqualTo(tree(dirs[k]));
                }
                // a tape file read under another unit's name is refused, not restored as that unit
                Path wrong = Files.createDirectories(tmp.resolve("wrong"));
                assertThatThrownBy(() -> d.read(files.get(0), "D102", wrong)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("holds 'D101/', not a file of D102");
            }
        }
    }

    @Test
    void truncateCutsOffWhatWasWrittenPastTheCommittedEnd() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            List<TapeFile> files = writeThree(lib, "V00001L9");
            Path u4 = Files.createDirectories(units.resolve("D104"));
            write(u4.resolve("S00000/new.bin"), "new".getBytes(StandardCharsets.US_ASCII));
            long committed = files.get(0).position() + files.get(0).bytes();
            TapeFile again;
            try (Drive d = lib.mount("V00001L9")) {
                d.truncate(committed);
                again = d.append(2, "D104", u4);
                d.force();
            }
            assertThat(again.position()).isEqualTo(committed);
            Path tar = lib.file("V00001L9");
            List<String> expected = new ArrayList<>(entries(u1));
            expected.addAll(entries(u4));
            assertThat(run("tar", "-tf", tar.toString()).lines().toList()).containsExactlyElementsOf(expected);
            assertThat(Files.size(tar)).isEqualTo(again.position() + again.bytes() + 1024);
            try (Drive d = lib.mount("V00001L9")) {
                Path t1 = Files.createDirectories(tmp.resolve("r1"));
                d.read(files.get(0), "D101", t1);
                assertThat(tree(t1)).isEqualTo(tree(u1));
                Path t4 = Files.createDirectories(tmp.resolve("r4"));
                d.read(again, "D104", t4);
                assertThat(tree(t4)).isEqualTo(tree(u4));
            }
        }
    }

    @Test
    void anAppendThatFailsHalfWayIsCutOffByTheNextAppend() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            lib.create("V00001L9");
            Path bad = Files.createDirectories(units.resolve("D105"));
            write(bad.resolve("S00000/a.bin"), new byte[50_000]); // written before the link fails the append
            Files.createSymbolicLink(bad.resolve("S00000/zz-link"), u1);
            try (Drive d = lib.mount("V00001L9")) {
                d.truncate(0);
                TapeFile f1 = d.append(1, "D101", u1);
                assertThatThrownBy(() -> d.append(2, "D105", bad)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("zz-link").hasMessageContaining("not a regular file or directory");
                TapeFile f2 = d.append(2, "D102", u2);
                assertThat(f2.position()).isEqualTo(f1.position() + f1.bytes());
                d.force();
                assertThat(Files.size(lib.file("V00001L9"))).as("nothing of the failed append is left")
                        .isEqualTo(f2.position() + f2.bytes() + 1024);
            }
            List<String> expected = new ArrayList<>(entries(u1));
            expected.addAll(entries(u2));
            assertThat(run("tar", "-tf", lib.file("V00001L9").toString()).lines().toList())
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aFlippedByteIsAChecksumMismatchAndTheOtherFilesStillRead() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            List<TapeFile> files = writeThree(lib, "V00001L9");
            Path tar = lib.file("V00001L9");
            byte[] volume = Files.readAllBytes(tar);
            int at = indexOf(volume, marker);
            TapeFile f2 = files.get(1);
            assertThat(at).isBetween((int) f2.position(), (int) (f2.position() + f2.bytes()));
            try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (volume[at] ^ 0x01)}), at);
            }
            try (Drive d = lib.mount("V00001L9")) {
                Path t2 = Files.createDirectories(tmp.resolve("r2"));
                assertThatThrownBy(() -> d.read(f2, "D102", t2)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("Checksum mismatch in tape file 2 of volume V00001L9");
                Path t1 = Files.createDirectories(tmp.resolve("r1"));
                d.read(files.get(0), "D101", t1);
                assertThat(tree(t1)).isEqualTo(tree(u1));
                Path t3 = Files.createDirectories(tmp.resolve("r3"));
                d.read(files.get(2), "D103", t3);
                assertThat(tree(t3)).isEqualTo(tree(u3));
            }
        }
    }

    @Test
    void aFlippedByteInAHeaderIsAChecksumMismatchToo() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            List<TapeFile> files = writeThree(lib, "V00001L9");
            Path tar = lib.file("V00001L9");
            TapeFile f2 = files.get(1);
            try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                ch.read(b, f2.position() + 2); // in the name of its first header
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x20)}), f2.position() + 2);
            }
            try (Drive d = lib.mount("V00001L9")) {
                Path t2 = Files.createDirectories(tmp.resolve("r2"));
                assertThatThrownBy(() -> d.read(f2, "D102", t2)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("Checksum mismatch in tape file 2 of volume V00001L9");
                Path t3 = Files.createDirectories(tmp.resolve("r3"));
                d.read(files.get(2), "D103", t3);
                assertThat(tree(t3)).isEqualTo(tree(u3));
            }
        }
    }

    @Test
    void aVolumeCutShortIsAClearError() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            List<TapeFile> files = writeThree(lib, "V00001L9");
            Path tar = lib.file("V00001L9");
            TapeFile f3 = files.get(2);
            long cut = f3.position() + f3.bytes() / 2;
            try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            try (Drive d = lib.mount("V00001L9")) {
                Path t3 = Files.createDirectories(tmp.resolve("r3"));
                assertThatThrownBy(() -> d.read(f3, "D103", t3)).isInstanceOf(TapeException.class)
                        .hasMessage("Volume V00001L9 ends at byte " + cut + ", before the end of tape file 3 of"
                                + " volume V00001L9 (" + (f3.position() + f3.bytes()) + ")");
                Path t1 = Files.createDirectories(tmp.resolve("r1"));
                d.read(files.get(0), "D101", t1);
                assertThat(tree(t1)).isEqualTo(tree(u1));
                long end = f3.position() + f3.bytes();
                assertThatThrownBy(() -> d.truncate(end)).isInstanceOf(TapeException.class)
                        .hasMessage("Volume V00001L9 ends at byte " + cut + ", before its last committed tape file's"
                                + " end (" + end + "): the volume is damaged");
            }
            assertThat(Files.size(tar)).as("a refused truncate changes nothing").isEqualTo(cut);
            Files.delete(tar);
            assertThatThrownBy(() -> lib.mount("V00001L9")).isInstanceOf(TapeException.class)
                    .hasMessageContaining("Volume V00001L9 is not in the tape library");
        }
    }

    @Test
    void anEntryThatEscapesItsDirectoryIsRefusedAndNothingIsWrittenOutside() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("restore/a/D1"));
        for (String evil : List.of("D1/../../x", "D1/S00000/../../../x")) {
            try (TarTapeLibrary lib = library(1)) {
                String label = "EVIL" + evil.length();
                TapeFile f = crafted(lib, label, tar -> {
                    dir(tar, "D1/");
                    file(tar, evil, "escaped");
                });
                try (Drive d = lib.mount(label)) {
                    assertThatThrownBy(() -> d.read(f, "D1", target)).isInstanceOf(TapeException.class)
                            .hasMessageContaining("holds '" + evil + "', which would escape D1");
                }
            }
            try (Stream<Path> s = Files.walk(tmp.resolve("restore"))) {
                assertThat(s.filter(Files::isRegularFile)).as("nothing written for %s", evil).isEmpty();
            }
        }
    }

    @Test
    void linksInATapeFileAreRefusedNotRestored() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("restore/D1"));
        try (TarTapeLibrary lib = library(1)) {
            TapeFile f = crafted(lib, "LINKS", tar -> {
                dir(tar, "D1/");
                TarArchiveEntry link = new TarArchiveEntry("D1/etc", TarArchiveEntry.LF_SYMLINK);
                link.setLinkName("/etc");
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
                file(tar, "D1/etc/passwd", "root::0:0::/:/bin/sh\n");
            });
            try (Drive d = lib.mount("LINKS")) {
                assertThatThrownBy(() -> d.read(f, "D1", target)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("holds 'D1/etc', which is not a file or directory");
            }
            assertThat(target.resolve("etc")).doesNotExist();
        }
    }

    @Test
    void threeVolumesOnTwoDrivesTheThirdMountWaitsForAFreeDrive() throws Exception {
        try (TarTapeLibrary lib = library(2)) {
            for (String v : List.of("A", "B", "C")) {
                lib.create(v);
            }
            Drive a = lib.mount("A");
            Drive b = lib.mount("B");
            Mounter c = new Mounter(lib, "C");
            c.awaitWaiting();
            assertThat(c.drive).isNotDone();
            assertThat(lib.driveStates()).extracting(DriveState::volume, DriveState::inUse)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("A", true),
                            org.assertj.core.groups.Tuple.tuple("B", true));
            assertThat(lib.counters().mounts()).isEqualTo(2);

            a.close();
            Drive cd = c.drive.get();
            assertThat(cd.volume()).isEqualTo("C");
            assertThat(lib.driveStates()).extracting(DriveState::volume, DriveState::inUse)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("C", true),
                            org.assertj.core.groups.Tuple.tuple("B", true));
            TapeCounters counters = lib.counters();
            assertThat(counters.mounts()).isEqualTo(3);
            assertThat(counters.unmounts()).as("A unloaded for C").isEqualTo(1);
            cd.close();
            b.close();
        }
    }

    @Test
    void theSameVolumeTwiceWaitsForTheFirstUserAndCostsNoMount() throws Exception {
        try (TarTapeLibrary lib = library(2)) {
            lib.create("A");
            Drive first = lib.mount("A");
            Mounter second = new Mounter(lib, "A");
            second.awaitWaiting();
            assertThat(second.drive).isNotDone();
            assertThat(lib.driveStates()).extracting(DriveState::volume).containsExactly("A", null);
            first.close();
            try (Drive d = second.drive.get()) {
                assertThat(d.volume()).isEqualTo("A");
                assertThat(lib.driveStates()).extracting(DriveState::volume, DriveState::inUse)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("A", true),
                                org.assertj.core.groups.Tuple.tuple(null, false));
            }
            assertThat(lib.counters().mounts()).as("loaded already: no second mount").isEqualTo(1);
            try (Drive d = lib.mount("A")) {
                assertThat(d.volume()).isEqualTo("A");
            }
            TapeCounters counters = lib.counters();
            assertThat(counters.mounts()).isEqualTo(1);
            assertThat(counters.unmounts()).isZero();
            assertThat(counters.modelledSeconds()).isEqualTo(lib.model().mountSeconds());
        }
    }

    @Test
    void aMountInterruptedWhileWaitingGivesUpAndTheDriveStaysUsable() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            lib.create("A");
            lib.create("B");
            Drive a = lib.mount("A");
            Mounter b = new Mounter(lib, "B");
            b.awaitWaiting();
            b.thread.interrupt();
            assertThat(b.drive).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(InterruptedException.class);
            a.close();
            try (Drive again = lib.mount("B")) {
                assertThat(again.volume()).isEqualTo("B");
            }
        }
    }

    @Test
    void countersAreWhatTheModelGivesForTheOperationsDone() throws Exception {
        try (TarTapeLibrary lib = library(1)) {
            TapeModel m = lib.model();
            List<TapeFile> files = writeThree(lib, "V1"); // mount, three appends from 0
            long end1 = files.get(2).position() + files.get(2).bytes();
            long written = files.get(0).bytes() + files.get(1).bytes() + files.get(2).bytes();
            double expected = m.mountSeconds() + m.streamSeconds(written);
            assertCounters(lib.counters(), 1, 0, 0, 0, written, expected);
            assertThat(lib.driveStates()).containsExactly(new DriveState(0, "V1", false, end1));

            lib.create("V2");
            TapeFile other;
            try (Drive d = lib.mount("V2")) { // V1 unloaded: rewind from its end, unload; V2 loaded
                d.truncate(0);
                other = d.append(1, "D101", u1);
            }
            expected += m.unmountSeconds(end1) + m.mountSeconds() + m.streamSeconds(other.bytes());
            written += other.bytes();
            assertCounters(lib.counters(), 2, 1, 0, 0, written, expected);

            try (Drive d = lib.mount("V1")) { // V2 unloaded at the end of its file
                d.read(files.get(2), "D103", Files.createDirectories(tmp.resolve("r3")));
                d.read(files.get(0), "D101", Files.createDirectories(tmp.resolve("r1")));
                d.read(files.get(1), "D102", Files.createDirectories(tmp.resolve("r2")));
            }
            expected += m.unmountSeconds(other.bytes()) + m.mountSeconds()
                    + m.seekSeconds(0, files.get(2).position()) + m.streamSeconds(files.get(2).bytes())
                    + m.seekSeconds(end1, 0) + m.streamSeconds(files.get(0).bytes())
                    + m.streamSeconds(files.get(1).bytes()); // file 2 follows file 1: no seek
            long read = files.get(0).bytes() + files.get(1).bytes() + files.get(2).bytes();
            assertCounters(lib.counters(), 3, 2, 2, read, written, expected);
            assertThat(lib.driveStates()).containsExactly(
                    new DriveState(0, "V1", false, files.get(1).position() + files.get(1).bytes()));
        }
    }

    @Test
    void withATimeScaleTheModelledTimeIsReallyWaited() throws Exception {
        double scale = 0.004; // LTO-9: a mount 128 ms, an unmount and a mount about 340 ms
        try (TarTapeLibrary lib = new TarTapeLibrary(volumes, 1, TapeModel.lto9().withCapacity(100_000_000L), scale)) {
            lib.create("V1");
            lib.create("V2");
            long start = System.nanoTime();
            try (Drive d = lib.mount("V1")) {
                d.truncate(0);
                d.append(1, "D103", u3);
            }
            try (Drive d = lib.mount("V2")) {
                assertThat(d.volume()).isEqualTo("V2");
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            double modelled = lib.counters().modelledSeconds();
            assertThat(modelled).isGreaterThan(2 * 32 + 45);
            assertThat(elapsed).isGreaterThanOrEqualTo(modelled * scale);
        }
    }

    static void assertCounters(TapeCounters c, long mounts, long unmounts, long seeks, long read, long written,
                               double seconds) {
        assertThat(c.mounts()).as("mounts").isEqualTo(mounts);
        assertThat(c.unmounts()).as("unmounts").isEqualTo(unmounts);
        assertThat(c.seeks()).as("seeks").isEqualTo(seeks);
        assertThat(c.bytesRead()).as("bytes read").isEqualTo(read);
        assertThat(c.bytesWritten()).as("bytes written").isEqualTo(written);
        assertThat(c.modelledSeconds()).as("modelled seconds").isCloseTo(seconds, within(1e-9));
    }

    /** A mount in its own thread, whose drive (or failure) completes {@link #drive}. */
    static final class Mounter {
        final CompletableFuture<Drive> drive = new CompletableFuture<>();
        final Thread thread;

        Mounter(TapeLibrary lib, String volume) {
            thread = new Thread(() -> {
                try {
                    drive.complete(lib.mount(volume));
                } catch (Throwable t) {
                    drive.completeExceptionally(t);
                }
            }, "mount-" + volume);
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until the mount blocks, waiting for a drive. */
        void awaitWaiting() {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> thread.getState() == Thread.State.WAITING || drive.isDone());
        }
    }

    interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    /** A volume whose only tape file is what {@code writer} writes, as a hostile or broken writer would. */
    TapeFile crafted(TarTapeLibrary lib, String label, TarWriter writer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        writer.write(tar);
        tar.flush();
        byte[] file = bytes.toByteArray();
        lib.create(label);
        ByteArrayOutputStream volume = new ByteArrayOutputStream();
        volume.write(file);
        volume.write(new byte[1024]);
        Files.write(lib.file(label), volume.toByteArray());
        return new TapeFile(label, 1, 0, file.length, md5(file));
    }

    static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name));
        tar.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    /** The tar entry names a unit directory gives, in the order the library writes them (sorted paths). */
    static List<String> entries(Path unit) throws IOException {
        String name = unit.getFileName().toString();
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(unit)) {
            for (Path p : s.sorted().toList()) {
                String rel = unit.relativize(p).toString();
                String n = rel.isEmpty() ? name : name + "/" + rel;
                out.add(Files.isDirectory(p) ? n + "/" : n);
            }
        }
        return out;
    }

    /** A directory tree: relative path to content (null for a directory). */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                out.put(rel, Files.isDirectory(p) ? null : Files.size(p) + ":" + md5(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    /** Runs a command, returns its standard output; fails the test when it exits non-zero. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }

    static void write(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, data);
    }

    static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static byte[] slice(byte[] b, long from, long length) {
        byte[] out = new byte[(int) length];
        System.arraycopy(b, (int) from, out, 0, (int) length);
        return out;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
