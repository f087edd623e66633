package org.drmsbatch.drms.query;

import org.drmsbatch.drms.DrmsException;

/**
 * A record-set query that cannot be used: it does not parse, names an unknown series, key or segment, or its
 * {@code [? ?]} clause is not allowed. The message gives the position and shows it under the query text.
 */
public class QueryException extends DrmsException {

    private final String query;
    private final int position;
    private final String reason;

    /**
     * @param query    the whole query text
     * @param position 0-based offset in {@code query} where the problem is
     * @param reason   what is wrong, e.g. "unterminated '['"
     */
    public QueryException(String query, int position, String reason) {
        super(message(query, position, reason));
        this.query = query;
        this.position = position;
        this.reason = reason;
    }

    private static String message(String query, int position, String reason) {
        int p = Math.max(0, Math.min(position, query.length()));
        int lineStart = query.lastIndexOf('\n', p - 1) + 1;
        int lineEnd = query.indexOf('\n', p);
        String line = query.substring(lineStart, lineEnd < 0 ? query.length() : lineEnd);
        return "bad query at position " + (p + 1) + ": " + reason + "\n  " + line + "\n  "
                + " ".repeat(p - lineStart) + "^";
    }

    public String query() {
        return query;
    }

    /** 0-based offset of the problem in the query text. */
    public int position() {
        return position;
    }

    public String reason() {
        return reason;
    }
}
