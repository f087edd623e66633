package org.drmsbatch.segments;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Rice coder of FITS tile compression (RICE_1, the algorithm of CFITSIO's {@code ricecomp.c}, blocks of
 * {@value #BLOCK} pixels), producing the same bytes as CFITSIO for the same pixels: the first pixel verbatim
 * (BYTEPIX bytes, big-endian), then per block the differences of neighbouring pixels (wrapped to the pixel size)
 * mapped to non-negative values ({@code d >= 0 ? 2d : -2d - 1}), coded with a split level FS chosen from the block's
 * mean: FS+1 in 5 (BYTEPIX 4) or 4 (BYTEPIX 2) bits, then per pixel {@code value >>> FS} as that many 0 bits and a
 * 1, then the low FS bits; a block of zero differences is a single 0 code, a block whose FS would reach 25 (13)
 * is stored as raw 32- (16-) bit values behind the code FSMAX+1. Bits are written most significant first, the last
 * byte padded with zeros.
 *
 * <p>Tested bit for bit against astropy's and fpack's output (both CFITSIO). Not thread-safe: one coder per thread.
 */
final class RiceCoder {

    static final int BLOCK = 32;

    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final int[] diff = new int[BLOCK];
    private byte[] out = new byte[0];
    private int pos;
    private long acc;
    private int nbits;

    /** A buffer large enough for {@code n} pixels of {@code bytepix} bytes coded in the worst case. */
    static int maxLength(int n, int bytepix) {
        return bytepix + n * bytepix + (n / BLOCK + 1) + 8;
    }

    /** Codes {@code n} ints from {@code a[off]} with BYTEPIX 4; the coded bytes are {@code bytes()[0, length)}. */
    int encode(int[] a, int off, int n) {
        start(maxLength(n, 4));
        put(a[off], 32);
        int last = a[off];
        for (int i = 0; i < n; i += BLOCK) {
            int len = Math.min(BLOCK, n - i);
            double sum = 0;
            for (int j = 0; j < len; j++) {
                int next = a[off + i + j];
                int d = next - last;
                int m = d < 0 ? ~(d << 1) : d << 1;
                diff[j] = m;
                sum += m & 0xFFFFFFFFL;
                last = next;
            }
            block(len, sum, 5, 25, 32);
        }
        return finish();
    }

    /** Codes {@code n} shorts from {@code a[off]} with BYTEPIX 2 (differences wrapped to 16 bits). */
    int encode(short[] a, int off, int n) {
        start(maxLength(n, 2));
        put(a[off] & 0xFFFF, 16);
        int last = a[off];
        for (int i = 0; i < n; i += BLOCK) {
            int len = Math.min(BLOCK, n - i);
            double sum = 0;
            for (int j = 0; j < len; j++) {
                int next = a[off + i + j];
                short d = (short) (next - last);
                int m = d < 0 ? ~(d << 1) : d << 1;
                diff[j] = m;
                sum += m;
                last = next;
            }
            block(len, sum, 4, 14, 16);
        }
        return finish();
    }

    /** The coded bytes of the last {@code encode} (valid up to its returned length). */
    byte[] bytes() {
        return out;
    }

    private void block(int len, double sum, int fsbits, int fsmax, int bbits) {
        double mean = (sum - (len / 2) - 1) / len;
        if (mean < 0) {
            mean = 0;
        }
        long p = bbits == 16 ? (((int) mean) & 0xFFFF) >>> 1 : ((long) mean & 0xFFFFFFFFL) >>> 1;
        int fs = 64 - Long.numberOfLeadingZeros(p);
        if (fs >= fsmax) {
            put(fsmax + 1, fsbits);
            for (int j = 0; j < len; j++) {
                put(diff[j], bbits);
            }
        } else if (fs == 0 && sum == 0) {
            put(0, fsbits);
        } else {
            put(fs + 1, fsbits);
            int mask = (1 << fs) - 1;
            for (int j = 0; j < len; j++) {
                int v = diff[j];
                int top = v >>> fs;
                // top zeros, a one, the low fs bits: one code of top + 1 + fs bits when it fits
                while (top > 24) {
                    put(0, 24);
                    top -= 24;
                }
                long code = (1L << fs) | (v & mask);
                int length = top + 1 + fs;
                if (length <= 32) {
                    put((int) code, length);
                } else {
                    put(0, top);
                    put((int) code, fs + 1);
                }
            }
        }
    }

    private void start(int capacity) {
        if (out.length < capacity) {
            out = new byte[Math.max(capacity, out.length * 2)];
        }
        pos = 0;
        acc = 0;
        nbits = 0;
    }

    /** Appends the low {@code n} bits of {@code value} (1 &lt;= n &lt;= 32). */
    private void put(int value, int n) {
        acc = (acc << n) | (value & (0xFFFFFFFFL >>> (32 - n)));
        nbits += n;
        if (nbits >= 32) {
            nbits -= 32;
            INT_BE.set(out, pos, (int) (acc >>> nbits));
            pos += 4;
        }
    }

    private int finish() {
        while (nbits >= 8) {
            nbits -= 8;
            out[pos++] = (byte) (acc >>> nbits);
        }
        if (nbits > 0) {
            out[pos++] = (byte) (acc << (8 - nbits));
            nbits = 0;
        }
        return pos;
    }
}
