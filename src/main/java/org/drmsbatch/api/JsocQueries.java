package org.drmsbatch.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;

import org.drmsbatch.drms.DrmsException;

/** Record-set queries as they arrive over HTTP: what the JSOC API checks before it runs one. */
final class JsocQueries {

    private JsocQueries() {
    }

    /** The series a query starts with: the text before the first {@code [}, {@code {}, or {@code ,}. */
    static String seriesName(String ds) {
        String s = ds.trim();
        int end = s.length();
        for (char c : new char[] {'[', '{', ','}) {
            int i = s.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return s.substring(0, end).trim();
    }

    /**
     * Refuses {@code @file} in a query that came over HTTP: the query language reads record sets from files,
     * which would let a web client read the server's files. An {@code @} inside a filter (a time step,
     * {@code [2010.05.01/1h@3m]}) or a quoted value is fine.
     */
    static void refuseFileIncludes(String ds) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < ds.length(); i++) {
            char c = ds.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
            } else if (c == '@' && depth == 0) {
                throw new DrmsException("bad query at position " + (i + 1) + ": record sets are not read from"
                        + " files (@file) over HTTP; list the record sets in ds=");
            }
        }
    }

    /** Whether a catalog error comes from the database or the disk rather than from the request. */
    static boolean isSystemFailure(DrmsException e) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof SQLException sql) {
                return !"57014".equals(sql.getSQLState()); // a statement timeout is the query's, not the system's
            }
            if (c instanceof IOException || c instanceof UncheckedIOException) {
                return true;
            }
        }
        return false;
    }
}
