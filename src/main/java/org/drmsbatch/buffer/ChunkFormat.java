package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How a chunk file holds its chunk. The doubles parsed from the body are stored in binary (not written back as text):
 *
 * <pre>
 * offset  size  what (big-endian)
 *   0      8    magic 0x89 'G' 'W' 'B' 'F' '6' '4' '\n' (0x89 is no JSON's first byte)
 *   8      4    format version, 1
 *  12      4    n, the number of samples (&gt;= 1)
 *  16      8    t0, float64
 *  24      8    dt, float64
 *  32     8n    h, float64 each
 * </pre>
 *
 * so a file is {@value #HEADER} + 8n bytes, and reading it back is a copy, not a parse: the same doubles, bit for
 * bit. A file written by an earlier version holds the chunk's JSON {@code {"h":[…],"t":[t0,dt]}} and is read as
 * such (files are told apart by their first byte), so a buffer directory written before keeps working unchanged.
 */
final class ChunkFormat {

    static final int HEADER = 32;
    static final int VERSION = 1;
    private static final byte[] MAGIC = {(byte) 0x89, 'G', 'W', 'B', 'F', '6', '4', '\n'};

    private ChunkFormat() {
    }

    /** The binary file of a chunk. */
    static byte[] encode(Chunk c) {
        double[] h = c.h();
        ByteBuffer b = ByteBuffer.allocate(HEADER + 8 * h.length); // big-endian
        b.put(MAGIC).putInt(VERSION).putInt(h.length).putDouble(c.t0()).putDouble(c.dt());
        b.asDoubleBuffer().put(h);
        return b.array();
    }

    /** Whether {@code bytes} (a file's content, or its first bytes) start as a binary chunk file. */
    static boolean isBinary(byte[] bytes, int length) {
        if (length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** A chunk from the content of its file, binary or (written by an earlier version) JSON. */
    static Chunk decode(byte[] file) {
        if (!isBinary(file, file.length)) {
            return ChunkParser.parse(file);
        }
        ByteBuffer b = ByteBuffer.wrap(file);
        int n = header(b, file.length);
        double[] h = new double[n];
        b.position(HEADER);
        b.asDoubleBuffer().get(h);
        return new Chunk(h, b.getDouble(16), b.getDouble(24));
    }

    /**
     * Only t0 of a chunk file, checked as {@link #decode} checks it except for the samples (which are not read): 32
     * bytes of a binary file, or (an earlier version's JSON) the file with its samples skipped unconverted.
     */
    static double t0(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = c.size();
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            while (head.hasRemaining() && c.read(head) >= 0) {
                // read the header
            }
            if (!isBinary(head.array(), head.position())) {
                return ChunkParser.t0(java.nio.file.Files.readAllBytes(file));
            }
            header(head, size);
            double t0 = head.getDouble(16);
            double dt = head.getDouble(24);
            if (!Double.isFinite(t0)) {
                throw new InvalidChunkException("t0 is not a finite number", "/t/0", 0, 0);
            }
            if (!Double.isFinite(dt) || dt <= 0) {
                throw new InvalidChunkException("dt must be a finite number > 0, not " + dt, "/t/1", 0, 0);
            }
            return t0;
        }
    }

    /** Checks a binary file's header against its size; n. */
    private static int header(ByteBuffer b, long size) {
        if (size < HEADER) {
            throw new InvalidChunkException("a binary chunk file of " + size + " bytes, shorter than its "
                    + HEADER + "-byte header", "", 0, 0);
        }
        int version = b.getInt(8);
        if (version != VERSION) {
            throw new InvalidChunkException("a binary chunk file of format version " + version + ", not "
                    + VERSION, "", 0, 0);
        }
        int n = b.getInt(12);
        if (n < 1 || size != HEADER + 8L * n) {
            throw new InvalidChunkException("a binary chunk file of " + size + " bytes, not the " + HEADER
                    + " + 8 x " + n + " its header says", "", 0, 0);
        }
        return n;
    }
}
