package org.drmsbatch.drms;

/** Outcome of a typed keyword get or set, as the DRMS library reports it. */
public enum KeywordStatus {
    /** The value was converted without loss. */
    EXACT,
    /** The value was converted with loss of precision (rounded). */
    INEXACT,
    /** The value does not fit the target type; MISSING was used. */
    RANGE,
    /** A string could not be parsed as the target type; MISSING was used. */
    BAD_STRING,
    /** The record has no keyword of that name. */
    UNKNOWN_KEYWORD;

    public boolean ok() {
        return this == EXACT || this == INEXACT;
    }
}
