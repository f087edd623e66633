package org.drmsbatch.drms.time;

import java.util.Locale;

/**
 * The slotting of a slotted keyword (specs/drms.md §3, DRMS {@code CalcSlot}): the value of {@code <KEY>} maps to
 * {@code <KEY>_index = floor((value − base + R/2) / step)}, where R = step for ts_eq, slot and carr (round to the
 * nearest slot, halves up: slot 0 is centred on the base) and R = {@code <KEY>_round} or 0 for ts_slot (plain
 * floor: the base starts slot 0). For enum the index is the value itself (base 0, step 1, R 0).
 *
 * @param kind  the keyword's recscope
 * @param base  epoch (TAI seconds) for ts_eq/ts_slot, {@code <KEY>_base} for slot, 0 for carr and enum
 * @param step  slot width in seconds (ts_eq, ts_slot), degrees (carr) or the key's own units (slot, enum)
 * @param round R in the formula above
 */
public record Slot(Kind kind, double base, double step, double round) {

    /** The slotted recscopes. */
    public enum Kind {
        TS_EQ, TS_SLOT, SLOT, CARR, ENUM;

        /** The kind of a recscope name ({@code ts_eq}, ..., case-insensitive); null when not slotted. */
        public static Kind of(String recscope) {
            if (recscope == null) {
                return null;
            }
            switch (recscope.trim().toLowerCase(Locale.ROOT)) {
                case "ts_eq":
                    return TS_EQ;
                case "ts_slot":
                    return TS_SLOT;
                case "slot":
                    return SLOT;
                case "carr":
                    return CARR;
                case "enum":
                    return ENUM;
                default:
                    return null;
            }
        }
    }

    public Slot {
        if (kind == null) {
            throw new IllegalArgumentException("slot kind is required");
        }
        if (!(step != 0.0) || Double.isInfinite(step)) {
            throw new IllegalArgumentException("slot step must be a non-zero number, got " + step);
        }
        if (Double.isNaN(base) || Double.isInfinite(base) || Double.isNaN(round) || round < 0) {
            throw new IllegalArgumentException("bad slot base " + base + " or round " + round);
        }
    }

    /**
     * A slot from a series definition's constant ancillary keyword values, as text.
     *
     * @param kind  recscope name: ts_eq, ts_slot, slot, carr or enum
     * @param base  {@code <KEY>_epoch} (epoch name, time string or TAI seconds) for ts_eq/ts_slot,
     *              {@code <KEY>_base} (number or time string) for slot; ignored for carr and enum
     * @param step  {@code <KEY>_step}: a number in {@code unit}s, or a string with its own unit
     *              ({@code 45s}, {@code 12m}; for carr {@code d|m|s|ms|r|ur}); ignored for enum
     * @param unit  {@code <KEY>_unit} or null: tenthsecs|secs|mins|hours|days (ts kinds, default secs),
     *              degrees|arcmins|arcsecs|milliarcsecs|rads|microrads (carr, default degrees), informational (slot)
     * @param round {@code <KEY>_round} in seconds (ts_slot only) or null
     * @throws IllegalArgumentException naming the faulty value
     */
    public static Slot of(String kind, String base, String step, String unit, String round) {
        Kind k = Kind.of(kind);
        if (k == null) {
            throw new IllegalArgumentException("'" + kind + "' is not a slotted recscope (ts_eq, ts_slot, slot, carr, enum)");
        }
        switch (k) {
            case ENUM:
                return new Slot(k, 0.0, 1.0, 0.0);
            case CARR: {
                double s = carrStep(require(step, "step"), unit);
                return new Slot(k, 0.0, s, Math.abs(s));
            }
            case SLOT: {
                double b = number(require(base, "base"));
                double s = number(require(step, "step"));
                return new Slot(k, b, s, Math.abs(s));
            }
            default: {
                double b = epochValue(require(base, "epoch"));
                double s = timeStep(require(step, "step"), unit);
                double r = k == Kind.TS_EQ ? Math.abs(s)
                    : (round == null || round.isBlank() ? 0.0 : DrmsTime.parseDuration(round));
                return new Slot(k, b, s, r);
            }
        }
    }

    private static String require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("slotted keyword needs a " + what);
        }
        return value.trim();
    }

    /** A plain number, or else a time string (a {@code time}-typed base). */
    private static double number(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return DrmsTime.parse(text);
        }
    }

    /** An epoch name or time string; a bare number is taken as TAI seconds. */
    private static double epochValue(String text) {
        try {
            return DrmsTime.parse(text);
        } catch (TimeFormatException e) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException n) {
                throw e;
            }
        }
    }

    private static double timeStep(String step, String unit) {
        try {
            double number = Double.parseDouble(step);
            if (unit == null || unit.isBlank()) {
                return number;
            }
            Double u = DrmsTime.unitSeconds(unit);
            if (u == null) {
                throw new IllegalArgumentException("unknown time step unit '" + unit + "'");
            }
            return number * u;
        } catch (NumberFormatException e) {
            return DrmsTime.parseDuration(step); // the step carries its own unit; _unit is ignored
        }
    }

    private static double carrStep(String step, String unit) {
        int i = step.length();
        while (i > 0 && Character.isLetter(step.charAt(i - 1))) {
            i--;
        }
        String number = step.substring(0, i).trim();
        String suffix = step.substring(i);
        double value;
        try {
            value = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad carr step '" + step + "'");
        }
        Double degrees = suffix.isEmpty()
            ? (unit == null || unit.isBlank() ? Double.valueOf(1.0) : angleUnit(unit))
            : angleUnit(suffix);
        if (degrees == null) {
            throw new IllegalArgumentException("unknown angle unit in carr step '" + step + "' / unit '" + unit + "'");
        }
        return value * degrees;
    }

    /** Degrees in one angle unit: d|m|s|ms|r|ur or the long words; null when unknown. */
    static Double angleUnit(String unit) {
        switch (unit.trim().toLowerCase(Locale.ROOT)) {
            case "d":
            case "deg":
            case "degree":
            case "degrees":
                return 1.0;
            case "m":
            case "arcmin":
            case "arcmins":
                return 1.0 / 60.0;
            case "s":
            case "arcsec":
            case "arcsecs":
                return 1.0 / 3600.0;
            case "ms":
            case "milliarcsec":
            case "milliarcsecs":
                return 1.0 / 3600000.0;
            case "r":
            case "rad":
            case "rads":
                return 180.0 / Math.PI;
            case "ur":
            case "microrad":
            case "microrads":
                return 180.0 / Math.PI * 1e-6;
            default:
                return null;
        }
    }

    /** The slot index of a value. */
    public long index(double value) {
        return (long) Math.floor((value - base + round / 2.0) / step);
    }

    /**
     * The value DRMS associates with a slot index: {@code base + index * step} — the slot centre for ts_eq, slot
     * and carr, the slot start for ts_slot without {@code _round}.
     */
    public double value(long index) {
        return base + index * step;
    }

    /** The first value that falls into a slot ({@code value(index) − R/2}). */
    public double start(long index) {
        return base + index * step - round / 2.0;
    }
}
