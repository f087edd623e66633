package org.drmsbatch.drms.query;

/** One bracketed filter of a record set; separate filters are ANDed. */
public sealed interface Filter permits KeyFilter, RecnumFilter, WhereFilter {
}
