package org.drmsbatch.drms;

/**
 * A JSD file that cannot be parsed or fails validation. The message names the file, the line (when there is one)
 * and what was expected, e.g. {@code hmi.bad.jsd:12: Keyword: expected a type (...), found 'integer'}.
 */
public class JsdException extends IllegalArgumentException {

    private final String fileName;
    private final int line;
    private final String detail;

    /**
     * @param fileName the file name used in messages
     * @param line     1-based line number, or 0 when the problem concerns the whole file
     * @param detail   what was expected and what was found
     */
    public JsdException(String fileName, int line, String detail) {
        super(line > 0 ? fileName + ":" + line + ": " + detail : fileName + ": " + detail);
        this.fileName = fileName;
        this.line = line;
        this.detail = detail;
    }

    public String fileName() {
        return fileName;
    }

    /** 1-based line number, 0 when the problem is not tied to one line. */
    public int line() {
        return line;
    }

    /** The message without the file and line prefix. */
    public String detail() {
        return detail;
    }
}
