package org.drmsbatch.metrics;

import org.springframework.util.unit.DataSize;

/**
 * {@code drms.health.min-free}: the least free room of a healthy partition, bytes ({@code 1GB}) or a percentage of
 * its size, or of its capacity when {@code drms.sums.capacity} is set ({@code 5%}).
 */
public record MinFree(long bytes, double percent) {

    public static final String PROPERTY = "drms.health.min-free";

    /** Parses the property's value; a bad one is refused naming the property and the forms it takes. */
    public static MinFree parse(String text) {
        String t = text == null ? "" : text.strip();
        try {
            if (t.endsWith("%")) {
                double p = Double.parseDouble(t.substring(0, t.length() - 1).strip());
                if (!(p >= 0 && p <= 100)) {
                    throw new IllegalArgumentException();
                }
                return new MinFree(-1, p);
            }
            long b = DataSize.parse(t).toBytes();
            if (b < 0) {
                throw new IllegalArgumentException();
            }
            return new MinFree(b, -1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + ": '" + text + "' is neither a size (e.g. 1GB, 500MB) nor"
                    + " a percentage from 0% to 100% (e.g. 5%)");
        }
    }

    /** The bytes that must stay free on a partition of {@code totalBytes}. */
    public long of(long totalBytes) {
        return bytes >= 0 ? bytes : (long) Math.ceil(totalBytes * percent / 100.0);
    }

    @Override
    public String toString() {
        return bytes >= 0 ? bytes + "B" : percent + "%";
    }
}
