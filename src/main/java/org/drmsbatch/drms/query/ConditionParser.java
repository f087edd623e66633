package org.drmsbatch.drms.query;

import org.drmsbatch.drms.SeriesDefinition;

/**
 * Parses the condition of a {@code [? ... ?]} or {@code [! ... !]} filter into an {@link Expr} over the series'
 * own columns.
 */
@FunctionalInterface
public interface ConditionParser {

    /**
     * @param text   the text between {@code [?} and {@code ?]} (or {@code [!} and {@code !]}), as written
     * @param offset where {@code text} starts in the whole query (0-based)
     * @param def    the series the condition is about
     * @return the condition
     * @throws QueryException when the condition is not allowed. Throw it with {@code query = text} and a position
     *                        inside {@code text}: the query parser re-anchors it to the whole query (an exception
     *                        whose {@code query()} is already the whole query is passed on unchanged).
     */
    Expr parse(String text, int offset, SeriesDefinition def);

    /** The placeholder until the real condition parser is wired in: refuses every condition. */
    ConditionParser UNSUPPORTED = (text, offset, def) -> {
        throw new QueryException(text, 0, "conditions not supported yet");
    };
}
