package org.drmsbatch.drms;

import java.util.Locale;

/** Record scope of a keyword (JSD field 3); slotted scopes get an {@code _index} companion keyword. */
public enum RecScope {
    CONSTANT, VARIABLE, TS_EQ, TS_SLOT, SLOT, ENUM, CARR,
    /** The automatic {@code <key>_index} keyword of a slotted key; never written in a JSD. */
    INDEX;

    public boolean isSlotted() {
        return this == TS_EQ || this == TS_SLOT || this == SLOT || this == ENUM || this == CARR;
    }

    public String jsdName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Case-insensitive lookup; null when unknown. */
    public static RecScope fromJsdName(String s) {
        for (RecScope r : values()) {
            if (r.name().equalsIgnoreCase(s.trim())) {
                return r;
            }
        }
        return null;
    }
}
