package org.drmsbatch.drms.time;

/** A time string that does not parse; says what and where. */
public class TimeFormatException extends IllegalArgumentException {
    private final String text;
    private final int position;

    public TimeFormatException(String text, int position, String what) {
        super("bad time '" + text + "' at position " + (position + 1) + ": " + what);
        this.text = text;
        this.position = position;
    }

    public String text() {
        return text;
    }

    /** 0-based position in the text where parsing failed. */
    public int position() {
        return position;
    }
}
