package org.drmsbatch.sums;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A storage unit: the directory {@code <partition>/D<sunum>} whose slot subdirectories {@code S%05d} hold the
 * segment files of up to Unitsize records.
 */
public record StorageUnit(long sunum, Path directory) {

    /** The directory of slot {@code slot}: {@code D<sunum>/S%05d}. */
    public Path slotDirectory(int slot) {
        return directory.resolve(slotName(slot));
    }

    public static String slotName(int slot) {
        return String.format(Locale.ROOT, "S%05d", slot);
    }

    public static String directoryName(long sunum) {
        return "D" + sunum;
    }
}
