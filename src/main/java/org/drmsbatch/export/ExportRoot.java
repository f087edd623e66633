package org.drmsbatch.export;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The directory exports are written under ({@code drms.export.directory}, default {@code <drms.home>/exports}):
 * each request in {@code <root>/<requestId>/}.
 */
public record ExportRoot(Path path) {

    /** Request ids: letters, digits, {@code _ . -}, starting with a letter or digit, at most 100 characters. */
    public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    /** The name the root is served under, below the download base URL ({@code drms.export.download-url}). */
    public static final String DOWNLOAD_NAME = "exports";

    public ExportRoot {
        path = path.toAbsolutePath().normalize();
    }

    /** The root for a home directory and the configured directory (blank: {@code <home>/exports}; relative: under home). */
    public static ExportRoot of(Path home, String configured) {
        if (configured == null || configured.isBlank()) {
            return new ExportRoot(home.resolve("exports"));
        }
        return new ExportRoot(home.resolve(configured.trim()));
    }

    /** The directory of a request; refuses an id that is not a plain name (it could leave the root). */
    public Path directory(String requestId) {
        return path.resolve(checkRequestId(requestId));
    }

    /**
     * A request's directory as index files and answers give it: its path below the download base URL,
     * {@code /exports/<requestId>}, as JSOC gives an export's directory below its web root (never the path on this
     * machine).
     */
    public static String downloadPath(String requestId) {
        return "/" + DOWNLOAD_NAME + "/" + checkRequestId(requestId);
    }

    /** The request id when it is a valid one; else an {@link ExportException} saying why. */
    public static String checkRequestId(String requestId) {
        if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
            throw new ExportException("bad requestId '" + requestId + "': use letters, digits, '_', '.', '-',"
                    + " starting with a letter or digit, at most 100 characters (e.g. JSOC_20261125_000123)");
        }
        return requestId;
    }
}
