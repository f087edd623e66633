package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;
import org.drmsbatch.drms.types.WrittenSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SegmentFilesTest {

    private static final DrmsType[] NUMERIC = {DrmsType.CHAR, DrmsType.SHORT, DrmsType.INT, DrmsType.LONGLONG,
            DrmsType.FLOAT, DrmsType.DOUBLE};

    private final SegmentFiles files = new SegmentFiles();

    @TempDir
    Path dir;

    static Stream<Arguments> protocolsAndTypes() {
        List<Arguments> out = new ArrayList<>();
        String[][] variants = {{"fits", ""}, {"fits", "compress Rice"}, {"fits", "compress Rice 16,8"},
                {"fits", "compress GZIP"}, {"fitz", ""}, {"bin", ""}, {"bin.gz", ""}};
        for (String[] v : variants) {
            for (DrmsType t : NUMERIC) {
                boolean compressed = !v[1].isEmpty() || v[0].equals("fitz");
                if (compressed && t == DrmsType.LONGLONG) {
                    continue; // CFITSIO cannot tile-compress 64-bit integers (§1.5); tested below
                }
                out.add(Arguments.of(Protocol.fromJsdName(v[0]), v[1], t));
            }
        }
        return out.stream();
    }

    @Test
    void largeImagesReadThroughAMemoryMapKeepEveryValueAndATruncatedOneFailsClearly() throws IOException {
        // 1024 x 1100 doubles (9 MB) and shorts (2.2 MB): above and below the size read through a memory map
        for (DrmsType type : new DrmsType[] {DrmsType.DOUBLE, DrmsType.SHORT, DrmsType.FLOAT}) {
            SegmentLayout def = Samples.def("big", type, Protocol.FITS, "", 0, 1, 1024, 1100);
            SegmentArray in = Samples.physical(type, 1024, 1100);
            Path f = dir.resolve(type + ".fits");
            files.write(def, f, in);
            SegmentArray out = files.readArray(def, f, null);
            assertThat(out.dims()).containsExactly(1024, 1100);
            int differ = 0;
            for (int i = 0; i < in.length(); i++) {
                differ += Double.compare(out.value(i), in.value(i)) == 0 ? 0 : 1; // MISSING (NaN) included
            }
            assertThat(differ).as("%s values that differ", type).isZero();
            if (type == DrmsType.DOUBLE) {
                long full = Files.size(f);
                try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(full - 2880 - 4000);
                }
                assertThatThrownBy(() -> files.readArray(def, f, null)).isInstanceOf(IOException.class)
                        .hasMessageContaining("early");
            }
        }
    }

    @ParameterizedTest(name = "{0} ''{1}'' {2}")
    @MethodSource("protocolsAndTypes")
    void roundTripKeepsValuesAndMissing(Protocol p, String cparms, DrmsType type) throws IOException {
        SegmentLayout def = Samples.def("image", type, p, cparms, 0, 1, 40, 30);
        SegmentArray in = Samples.physical(type, 40, 30);
        Path f = dir.resolve(def.name() + p.extension());

        WrittenSegment w = files.write(def, f, in);

        assertThat(w.type()).isEqualTo(type);
        assertThat(w.dims()).containsExactly(40, 30);
        assertThat(w.outOfRange()).isZero();
        assertThat(w.bzero()).isZero();
        assertThat(w.bscale()).isEqualTo(1);
        SegmentArray out = files.readArray(def, f, type);
        assertThat(out.type()).isEqualTo(type);
        assertThat(out.dims()).containsExactly(40, 30);
        boolean lossy = type.isFloating() && (cparms.contains("Rice") || p == Protocol.FITZ);
        if (lossy) {
            // Rice on floating data quantises (CFITSIO's q = 4): values close, NaN kept
            for (int i = 0; i < in.length(); i++) {
                if (i < 40 * 8) {
                    continue; // tiles holding pixel 1 (-Float.MAX_VALUE / Double.MAX_VALUE) quantise coarsely
                }
                double a = in.value(i);
                double b = out.value(i);
                if (Double.isNaN(a)) {
                    assertThat(b).as("pixel %d", i).isNaN();
                } else {
                    assertThat(b).as("pixel %d", i).isCloseTo(a, within(Math.abs(a) * 1e-3 + 0.1));
                }
            }
        } else {
            assertThat(out.data()).as("values").isEqualTo(in.data());
        }
        for (int i : Samples.MISSING_AT) {
            assertThat(out.value(i)).as("MISSING at %d", i).isNaN();
        }
        // raw read: stored values with the file's scaling
        SegmentArray raw = files.readArray(def, f, null);
        assertThat(raw.type()).isEqualTo(type);
        assertThat(raw.isRaw()).isEqualTo(type.isInteger());
        assertThat(raw.bzero()).isZero();
        assertThat(raw.bscale()).isEqualTo(1);
        assertThat(leftovers()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("scalingProtocols")
    void shortWithBzeroBscaleStoresScaledIntegers(Protocol p, String cparms) throws IOException {
        // aia.lev0 image_sm: short, bzero 8192, bscale 0.25
        SegmentLayout def = Samples.def("image_sm", DrmsType.SHORT, p, cparms, 8192, 0.25, 64, 32);
        float[] phys = new float[64 * 32];
        for (int i = 0; i < phys.length; i++) {
            phys[i] = 8192 + 0.25f * ((i * 37) % 60000 - 30000);
        }
        phys[3] = Float.NaN;
        phys[10] = 8192 + 0.25f * 40000; // out of short range
        phys[11] = 8192 - 0.25f * 33000; // out of short range
        phys[12] = 8192 - 0.25f * 32768; // would be MISSING itself: out of range
        Path f = dir.resolve(def.name() + p.extension());

        WrittenSegment w = files.write(def, f, SegmentArray.ofFloats(phys, 64, 32));

        assertThat(w.outOfRange()).isEqualTo(3);
        assertThat(w.bzero()).isEqualTo(8192);
        assertThat(w.bscale()).isEqualTo(0.25);
        SegmentArray raw = files.readArray(def, f, null);
        assertThat(raw.isRaw()).isTrue();
        assertThat(raw.bzero()).isEqualTo(8192);
        assertThat(raw.bscale()).isEqualTo(0.25);
        assertThat(raw.shorts()[0]).isEqualTo((short) -30000);
        assertThat(raw.shorts()[10]).isEqualTo(Short.MIN_VALUE);
        Conversion back = files.read(def, f, DrmsType.FLOAT);
        assertThat(back.outOfRange()).isZero();
        float[] got = back.array().floats();
        for (int i = 0; i < phys.length; i++) {
            if (i == 3 || i == 10 || i == 11 || i == 12) {
                assertThat(got[i]).as("pixel %d", i).isNaN();
            } else {
                assertThat(got[i]).as("pixel %d", i).isEqualTo(phys[i]);
            }
        }
        // reading as char: physical values > 127 are out of range
        assertThat(files.read(def, f, DrmsType.CHAR).outOfRange()).isGreaterThan(0);
        // re-writing the raw array keeps its stored values and scaling
        Path f2 = dir.resolve("again" + p.extension());
        WrittenSegment w2 = files.write(def, f2, raw);
        assertThat(w2.outOfRange()).isZero();
        assertThat(w2.bzero()).isEqualTo(8192);
        assertThat(files.readArray(def, f2, null).shorts()).isEqualTo(raw.shorts());
    }

    static Stream<Arguments> scalingProtocols() {
        return Stream.of(Arguments.of(Protocol.FITS, ""), Arguments.of(Protocol.FITS, "compress Rice"),
                Arguments.of(Protocol.FITZ, ""), Arguments.of(Protocol.BIN, ""), Arguments.of(Protocol.BIN_GZ, ""));
    }

    @Test
    void charWithScalingRoundTripsThroughUnsignedFitsBytes() throws IOException {
        SegmentLayout def = Samples.def("mask", DrmsType.CHAR, Protocol.FITS, "", 100, 2, 256);
        byte[] stored = new byte[256];
        for (int i = 0; i < 256; i++) {
            stored[i] = (byte) (i - 128);
        }
        SegmentArray raw = SegmentArray.raw(DrmsType.CHAR, new int[] {256}, stored, 100, 2);
        Path f = dir.resolve("mask.fits");
        files.write(def, f, raw);
        SegmentArray back = files.readArray(def, f, null);
        assertThat(back.bytes()).isEqualTo(stored);
        assertThat(back.bzero()).isEqualTo(100);
        assertThat(back.bscale()).isEqualTo(2);
        double[] phys = files.readArray(def, f, DrmsType.DOUBLE).doubles();
        assertThat(phys[0]).isNaN();
        assertThat(phys[1]).isEqualTo(100 + 2 * -127);
        assertThat(phys[255]).isEqualTo(100 + 2 * 127);
    }

    @Test
    void physicalIntegersIntoAnIntegerSegmentAreStoredUnscaledAndOutOfRangeCounted() throws IOException {
        SegmentLayout def = Samples.def("counts", DrmsType.SHORT, Protocol.BIN, "", 8192, 0.25, 4);
        Path f = dir.resolve("counts.bin");
        WrittenSegment w = files.write(def, f, SegmentArray.ofInts(new int[] {1, 40000, -40000, Integer.MIN_VALUE}, 4));
        assertThat(w.outOfRange()).isEqualTo(2);
        assertThat(w.bzero()).isZero();
        assertThat(w.bscale()).isEqualTo(1);
        assertThat(files.readArray(def, f, DrmsType.INT).ints()).containsExactly(1, Integer.MIN_VALUE, Integer.MIN_VALUE,
                Integer.MIN_VALUE);
    }

    @Test
    void riceIsLosslessForIntegers() throws IOException {
        for (DrmsType t : new DrmsType[] {DrmsType.CHAR, DrmsType.SHORT, DrmsType.INT}) {
            SegmentLayout def = Samples.def("img", t, Protocol.FITS, "compress Rice", 0, 1, 300, 200);
            SegmentArray noisy = SegmentArray.zeros(t, 300, 200);
            java.util.Random r = new java.util.Random(42);
            for (int i = 0; i < noisy.length(); i++) {
                long v = (long) (r.nextGaussian() * 20) + (i % 300) / 4;
                switch (t) {
                    case CHAR -> noisy.bytes()[i] = (byte) Math.max(-127, Math.min(127, v));
                    case SHORT -> noisy.shorts()[i] = (short) (v * 100);
                    default -> noisy.ints()[i] = (int) (v * 100_000);
                }
            }
            Path f = dir.resolve("img-" + t + ".fits");
            Path plain = dir.resolve("img-" + t + "-plain.fits");
            files.write(def, f, noisy);
            files.write(Samples.def("img", t, Protocol.FITS, "", 0, 1, 300, 200), plain, noisy);
            assertThat(files.readArray(def, f, null).data()).as(t.toString()).isEqualTo(noisy.data());
            if (t != DrmsType.CHAR) { // nom-tam codes char with 4-byte Rice: no gain on noisy bytes
                assertThat(Files.size(f)).as(t + " compressed size").isLessThan(Files.size(plain));
            }
        }
    }

    @Test
    void longlongCannotBeTileCompressed() {
        SegmentLayout def = Samples.def("big", DrmsType.LONGLONG, Protocol.FITZ, "", 0, 1, 4);
        assertThatThrownBy(() -> files.write(def, dir.resolve("big.fits"), SegmentArray.zeros(DrmsType.LONGLONG, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("big").hasMessageContaining("longlong");
    }

    @Test
    void vardimTakesDimsFromTheArray() throws IOException {
        SegmentLayout def = Samples.def("spec", true, DrmsType.FLOAT, Protocol.FITS, "", 0, 1, 0, 0);
        for (int[] dims : new int[][] {{5, 7}, {11, 2}}) {
            Path f = dir.resolve("spec" + dims[0] + ".fits");
            WrittenSegment w = files.write(def, f, SegmentArray.zeros(DrmsType.FLOAT, dims));
            assertThat(w.dims()).containsExactly(dims);
            assertThat(files.readArray(def, f, DrmsType.FLOAT).dims()).containsExactly(dims);
        }
        assertThatThrownBy(() -> files.write(def, dir.resolve("x.fits"), SegmentArray.zeros(DrmsType.FLOAT, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'spec'").hasMessageContaining("axes");
    }

    @Test
    void variableSegmentRejectsOtherDims() {
        SegmentLayout def = Samples.def("image", DrmsType.SHORT, Protocol.FITS, "", 0, 1, 4096, 4096);
        assertThatThrownBy(() -> files.write(def, dir.resolve("image.fits"), SegmentArray.zeros(DrmsType.SHORT, 4096, 10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("segment 'image': axis 2 has length 10, the definition says 4096");
        assertThat(dir.resolve("image.fits")).doesNotExist();
    }

    @Test
    void binHeaderIsTheDrmsRawLayout() throws IOException {
        SegmentLayout def = Samples.def("b", DrmsType.SHORT, Protocol.BIN, "", 0, 1, 3, 2);
        Path f = dir.resolve("b.bin");
        files.write(def, f, SegmentArray.raw(DrmsType.SHORT, new int[] {3, 2}, new short[] {1, 2, 3, 4, 5, -6}, 0.5, 2));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(magic);
        assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("DRMS RAW");
        assertThat(b.getInt()).isEqualTo(1); // short
        assertThat(b.getInt()).isEqualTo(2);
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getInt()).isEqualTo(2);
        assertThat(b.getDouble()).isEqualTo(2.0); // bscale first
        assertThat(b.getDouble()).isEqualTo(0.5);
        assertThat(b.getLong()).isEqualTo(12);
        assertThat(b.getShort()).isEqualTo((short) 1);
        b.position(b.position() + 8);
        assertThat(b.getShort()).isEqualTo((short) -6);
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void binFloatHasNoScalingInHeader() throws IOException {
        SegmentLayout def = Samples.def("f", DrmsType.DOUBLE, Protocol.BIN, "", 0, 1, 2);
        Path f = dir.resolve("f.bin");
        files.write(def, f, SegmentArray.ofDoubles(new double[] {1.5, Double.NaN}, 2));
        assertThat(Files.size(f)).isEqualTo(8 + 4 + 4 + 4 + 8 + 16);
    }

    @Test
    void timeRoundTripsKeepingMissingTime() throws IOException {
        for (Protocol p : new Protocol[] {Protocol.FITS, Protocol.BIN, Protocol.BIN_GZ}) {
            SegmentLayout def = Samples.def("t", DrmsType.TIME, p, "", 0, 1, 3);
            Path f = dir.resolve("t" + p.extension());
            double[] t = {1.0e9, DrmsType.MISSING_TIME, 0.5};
            files.write(def, f, SegmentArray.of(DrmsType.TIME, new int[] {3}, t));
            assertThat(files.readArray(def, f, DrmsType.TIME).doubles()).containsExactly(t);
        }
    }

    @Test
    void genericFilesAreCopiedAsTheyAre() throws IOException {
        Path src = Files.writeString(dir.resolve("notes.txt"), "anything at all\n");
        Path target = Files.createDirectories(dir.resolve("S00000"));
        Path stored = files.storeGeneric(src, target);
        assertThat(stored).isEqualTo(target.resolve("notes.txt"));
        assertThat(files.readGeneric(stored)).isEqualTo(Files.readAllBytes(src));
        SegmentLayout def = Samples.def("notes", DrmsType.STRING, Protocol.GENERIC, "", 0, 1);
        assertThatThrownBy(() -> files.write(def, dir.resolve("x"), SegmentArray.zeros(DrmsType.INT, 1)))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("storeGeneric");
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s.toList()).containsExactly(stored);
        }
    }

    @Test
    void failedWriteLeavesNoFile() {
        SegmentLayout def = Samples.def("big", DrmsType.LONGLONG, Protocol.FITS, "compress Rice", 0, 1, 4);
        Path f = dir.resolve("big.fits");
        assertThatThrownBy(() -> files.write(def, f, SegmentArray.zeros(DrmsType.LONGLONG, 4)));
        assertThat(f).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void cparmsParse() {
        assertThat(FitsCompression.parse("").compressed()).isFalse();
        assertThat(FitsCompression.parse("none").compressed()).isFalse();
        assertThat(FitsCompression.parse("compress Rice 128,192").tiles()).containsExactly(128, 192);
        assertThat(FitsCompression.parse("compress Rice 128,192").toString()).isEqualTo("compress Rice 128,192");
        assertThat(FitsCompression.parse("compress GZIP").algorithm()).isEqualTo("GZIP_1");
        assertThatThrownBy(() -> FitsCompression.parse("compress Zip")).hasMessageContaining("Zip");
    }

    private List<Path> leftovers() {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".part-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
