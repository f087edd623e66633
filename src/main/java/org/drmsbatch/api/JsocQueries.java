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
