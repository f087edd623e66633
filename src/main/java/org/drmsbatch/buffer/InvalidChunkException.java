package org.drmsbatch.buffer;

/**
 * A chunk that is not {@code {"h": [finite numbers…], "t": [t0, dt]}}: says what is wrong and where, as a JSON
 * pointer into the body ({@code /h/3}; empty for the whole body) and the line and column of the offending token
 * (both 0 when not known, e.g. for a body over the size limit).
 */
public class InvalidChunkException extends IllegalArgumentException {

    private final String detail;
    private final String pointer;
    private final int line;
    private final int column;

    public InvalidChunkException(String detail, String pointer, int line, int column) {
        super(format(detail, pointer, line, column));
        this.detail = detail;
        this.pointer = pointer;
        this.line = line;
        this.column = column;
    }

    private static String format(String detail, String pointer, int line, int column) {
        StringBuilder b = new StringBuilder(detail);
        if (!pointer.isEmpty()) {
            b.append(" at ").append(pointer);
        }
        if (line > 0) {
            b.append(pointer.isEmpty() ? " at" : ",").append(" line ").append(line).append(" column ").append(column);
        }
        return b.toString();
    }

    /** What is wrong, without the location. */
    public String detail() {
        return detail;
    }

    /** JSON pointer of the offending value ({@code ""} = the whole body). */
    public String pointer() {
        return pointer;
    }

    /** 1-based line of the offending token, 0 when not known. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending token, 0 when not known. */
    public int column() {
        return column;
    }
}
