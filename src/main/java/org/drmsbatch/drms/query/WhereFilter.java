package org.drmsbatch.drms.query;

/**
 * {@code [? condition ?]} or {@code [! condition !]}: a condition over the series' own columns. It never reaches
 * the database as text: it is parsed into an {@link Expr} whose columns, operators and functions are checked,
 * and emitted as SQL with bind parameters. {@code [! !]} turns prime-key logic off (every version).
 *
 * @param condition   the parsed condition
 * @param allVersions true for {@code [! !]}
 * @param position    where the condition starts in the query text (0-based), -1 when it was not parsed from one;
 *                    where an error the database finds while evaluating it is reported. Not part of equality.
 */
public record WhereFilter(Expr condition, boolean allVersions, int position) implements Filter {

    /** A condition not parsed from a query text. */
    public WhereFilter(Expr condition, boolean allVersions) {
        this(condition, allVersions, -1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WhereFilter w && w.condition.equals(condition) && w.allVersions == allVersions;
    }

    @Override
    public int hashCode() {
        return condition.hashCode() * 31 + Boolean.hashCode(allVersions);
    }

    @Override
    public String toString() {
        return allVersions ? "[! " + condition + " !]" : "[? " + condition + " ?]";
    }
}
