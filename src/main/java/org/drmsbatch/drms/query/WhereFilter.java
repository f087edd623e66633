package org.drmsbatch.drms.query;

/**
 * {@code [? condition ?]} or {@code [! condition !]}: a condition over the series' own columns. It never reaches
 * the database as text: it is parsed into an {@link Expr} whose columns, operators and functions are checked,
 * and emitted as SQL with bind parameters. {@code [! !]} turns prime-key logic off (every version).
 *
 * @param condition   the parsed condition
 * @param allVersions true for {@code [! !]}
 */
public record WhereFilter(Expr condition, boolean allVersions) implements Filter {

    @Override
    public String toString() {
        return allVersions ? "[! " + condition + " !]" : "[? " + condition + " ?]";
    }
}
