package org.drmsbatch.drms;

import org.drmsbatch.drms.time.Slot;

/** The slot calculator of a slotted keyword, from its constant ancillary keywords (specs/drms.md §3). */
public final class Slots {

    private Slots() {
    }

    /** The slot of a slotted keyword of {@code def} ({@code _epoch}/{@code _base}, {@code _step}, {@code _unit}, {@code _round}). */
    public static Slot of(SeriesDefinition def, KeywordDef k) {
        if (!k.isSlotted()) {
            throw new DrmsException("Keyword '" + k.name() + "' of " + def.name() + " is not slotted");
        }
        String n = k.name();
        return Slot.of(k.recScope().jsdName(), constantText(def, n + "_epoch", n + "_base"),
                constantText(def, n + "_step"), constantText(def, n + "_unit"), constantText(def, n + "_round"));
    }

    /** The default text of the first constant keyword among {@code names} that exists, or null. */
    public static String constantText(SeriesDefinition def, String... names) {
        for (String name : names) {
            var k = def.keyword(name);
            if (k.isPresent() && k.get().isConstant()) {
                return k.get().defaultValue();
            }
        }
        return null;
    }
}
