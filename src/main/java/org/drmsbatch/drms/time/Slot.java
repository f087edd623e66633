package org.drmsbatch.drms.time;

/** STUB — replaced by the full implementation. */
public final class Slot {
    private final double base;
    private final double step;

    private Slot(double base, double step) {
        this.base = base;
        this.step = step;
    }

    public static Slot of(String kind, String baseOrEpoch, String step, String unit, String round) {
        return new Slot(baseOrEpoch == null ? 0 : Double.parseDouble(baseOrEpoch), step == null ? 1 : Double.parseDouble(step));
    }

    public long index(double value) {
        return (long) Math.floor((value - base + step / 2) / step);
    }
}
