package org.drmsbatch.drms.query;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The condition of a {@code [? ?]} / {@code [! !]} filter: columns of the series, literals, comparison, boolean
 * and arithmetic operators, IN, BETWEEN, LIKE, IS [NOT] NULL and a short list of functions. Nothing else can be
 * represented, which is what keeps the condition safe to turn into SQL. {@link #toString()} prints it back.
 */
public sealed interface Expr permits Expr.Column, Expr.Literal, Expr.Unary, Expr.Binary, Expr.In, Expr.Range,
        Expr.Like, Expr.IsNull, Expr.Call {

    /** A column of the series table: a keyword (lower-cased column name) or recnum, sunum, slotnum. */
    record Column(String name) implements Expr {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A number (Long or Double) or a string. */
    record Literal(Object value) implements Expr {
        @Override
        public String toString() {
            return value instanceof String s ? "'" + s.replace("'", "''") + "'" : String.valueOf(value);
        }
    }

    /** {@code NOT e}, {@code -e}, {@code +e}. */
    record Unary(String op, Expr operand) implements Expr {
        @Override
        public String toString() {
            return op.equals("NOT") ? "NOT (" + operand + ")" : op + "(" + operand + ")";
        }
    }

    /**
     * Binary operators: {@code AND OR = <> != < <= > >= + - * / %}. ({@code !=} is kept as written; both mean
     * not equal.)
     */
    record Binary(String op, Expr left, Expr right) implements Expr {
        @Override
        public String toString() {
            return "(" + left + " " + op + " " + right + ")";
        }
    }

    /** {@code e [NOT] IN (a, b, ...)}. */
    record In(Expr operand, List<Expr> values, boolean not) implements Expr {
        public In {
            values = List.copyOf(values);
        }

        @Override
        public String toString() {
            return operand + (not ? " NOT IN (" : " IN (")
                    + values.stream().map(Expr::toString).collect(Collectors.joining(", ")) + ")";
        }
    }

    /** {@code e [NOT] BETWEEN lo AND hi}. */
    record Range(Expr operand, Expr low, Expr high, boolean not) implements Expr {
        @Override
        public String toString() {
            return operand + (not ? " NOT BETWEEN " : " BETWEEN ") + low + " AND " + high;
        }
    }

    /** {@code e [NOT] LIKE pattern}. */
    record Like(Expr operand, Expr pattern, boolean not) implements Expr {
        @Override
        public String toString() {
            return operand + (not ? " NOT LIKE " : " LIKE ") + pattern;
        }
    }

    /** {@code e IS [NOT] NULL}. */
    record IsNull(Expr operand, boolean not) implements Expr {
        @Override
        public String toString() {
            return operand + (not ? " IS NOT NULL" : " IS NULL");
        }
    }

    /** A call of an allowed function (lower-case name), e.g. {@code abs(x)}. */
    record Call(String function, List<Expr> args) implements Expr {
        public Call {
            function = function.toLowerCase(Locale.ROOT);
            args = List.copyOf(args);
        }

        @Override
        public String toString() {
            return function + "(" + args.stream().map(Expr::toString).collect(Collectors.joining(", ")) + ")";
        }
    }
}
