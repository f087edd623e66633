package org.drmsbatch.sums;

/** {@code sum_partn_alloc.status} and {@code archive_substatus} values (SUMS sum_rpc.h). */
public final class SumsStatus {
    /** Allocated read/write, not committed. */
    public static final int DARW = 1;
    /** Delete pending once the effective date passes. */
    public static final int DADP = 2;
    /** Archive pending. */
    public static final int DAAP = 4;
    /** Read-only (staged). */
    public static final int DARO = 8;
    /** Permanent. */
    public static final int DAPERM = 16;

    /** Sub-status: don't archive; at the effective date mark DADP. */
    public static final int DAAEDDP = 32;
    /** Sub-status: archive, then permanent. */
    public static final int DAAPERM = 64;
    /** Sub-status: archive, then DADP at the effective date. */
    public static final int DAADP = 128;

    private SumsStatus() {
    }
}
