package org.drmsbatch.export;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How an export is delivered (specs/drms.md §5.3): {@code url_quick} and {@code url} leave the files in the export
 * directory, {@code url-tar} packs them into {@code <requestId>.tar} there. (JSOC answers {@code url_quick} with
 * SUMS paths when it can; as a job it is the same as {@code url}.)
 */
public enum ExportMethod {
    URL_QUICK("url_quick"), URL("url"), URL_TAR("url-tar");

    private final String jsocName;

    ExportMethod(String jsocName) {
        this.jsocName = jsocName;
    }

    public String jsocName() {
        return jsocName;
    }

    public boolean tar() {
        return this == URL_TAR;
    }

    /** The method of that JSOC name (case-insensitive); null or blank gives {@code url}. */
    public static ExportMethod of(String text) {
        if (text == null || text.isBlank()) {
            return URL;
        }
        for (ExportMethod m : values()) {
            if (m.jsocName.equalsIgnoreCase(text.trim())) {
                return m;
            }
        }
        throw new ExportException("unknown export method '" + text + "' (methods: "
                + Arrays.stream(values()).map(ExportMethod::jsocName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return jsocName.toLowerCase(Locale.ROOT);
    }
}
