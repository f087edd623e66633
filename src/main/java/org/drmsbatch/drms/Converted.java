package org.drmsbatch.drms;

/** A value converted to a DRMS type together with the status of the conversion. */
public record Converted(Object value, KeywordStatus status) {
}
