package org.drmsbatch.drms.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.time.DrmsTime;

/**
 * Parses the condition of a {@code [? ?]} / {@code [! !]} filter into an {@link Expr} (specs/drms.md §2.1). A
 * small recursive-descent parser over: the series' column keywords (case-insensitive, slotted keys'
 * {@code _index} columns included) and recnum, sunum, slotnum; numbers; strings in single or double quotes (DRMS turns
 * double-quoted literals into strings); {@code $(time)} as the TAI number; {@code = <> != < <= > >= + - * / %};
 * {@code AND OR NOT}; {@code [NOT] IN (...)}, {@code [NOT] BETWEEN .. AND ..}, {@code [NOT] LIKE},
 * {@code IS [NOT] NULL}; parentheses; and the functions abs, round, floor, ceil, sqrt, mod, lower, upper, length,
 * coalesce. Anything else (a semicolon, a comment, a sub-query, another table or a qualified name, an unknown
 * column or function, unbalanced parentheses, trailing text) is refused with a {@link QueryException} at its
 * position.
 *
 * <p>Positions are absolute: {@code offset} is where {@code text} starts inside the whole query. The exception's
 * {@link QueryException#query()} is {@code text} padded with {@code offset} spaces; a caller holding the whole query
 * can rethrow {@code new QueryException(whole, e.position(), e.reason())}.
 */
public final class WhereCondition {

    /** Functions a condition may call, with their number of arguments (-1: one or more). */
    private static final java.util.Map<String, Integer> FUNCTIONS = java.util.Map.of(
            "abs", 1, "round", -1, "floor", 1, "ceil", 1, "sqrt", 1, "mod", 2, "lower", 1, "upper", 1,
            "length", 1, "coalesce", -1);

    /** The record columns every series table has that a condition may use. */
    static final Set<String> FIXED_COLUMNS = Set.of("recnum", "sunum", "slotnum");

    private static final Set<String> RESERVED = Set.of("and", "or", "not", "in", "between", "like", "is", "null");

    private enum T { IDENT, NUMBER, STRING, TIME, OP, LPAREN, RPAREN, COMMA, EOF }

    private record Token(T type, String text, Object value, int pos) {
        boolean is(String word) {
            return (type == T.IDENT || type == T.OP) && text.equalsIgnoreCase(word);
        }
    }

    private String source;
    private int offset;
    private SeriesDefinition def;
    private List<Token> tokens;
    private int at;

    /**
     * Parses a condition.
     *
     * @param text   the text between {@code [?} and {@code ?]} (or {@code [!} and {@code !]})
     * @param offset the position of {@code text} inside the whole query (for error positions)
     * @param def    the series whose columns the condition may use
     */
    public Expr parse(String text, int offset, SeriesDefinition def) {
        WhereCondition p = new WhereCondition();
        p.source = text;
        p.offset = offset;
        p.def = def;
        p.tokens = p.tokenize();
        p.at = 0;
        if (p.peek().type == T.EOF) {
            throw p.error(p.peek().pos, "empty condition");
        }
        Expr e = p.or();
        Token t = p.peek();
        if (t.type != T.EOF) {
            if (t.type == T.RPAREN) {
                throw p.error(t.pos, "unbalanced ')'");
            }
            throw p.error(t.pos, "unexpected '" + t.text + "' after the end of the condition");
        }
        return e;
    }

    // ------------------------------------------------------------------------------------------ tokens

    private QueryException error(int pos, String reason) {
        return new QueryException(" ".repeat(offset) + source, pos, reason);
    }

    private List<Token> tokenize() {
        List<Token> out = new ArrayList<>();
        String s = source;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int pos = offset + i;
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == ';') {
                throw error(pos, "';' is not allowed in a condition");
            } else if (s.startsWith("--", i) || s.startsWith("/*", i) || c == '#') {
                throw error(pos, "comments are not allowed in a condition");
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Token(T.IDENT, s.substring(i, j), null, pos));
                if (j < s.length() && s.charAt(j) == '.') {
                    throw error(offset + j, "qualified names (other tables) are not allowed");
                }
                i = j;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int j = i;
                boolean real = false;
                while (j < s.length() && Character.isDigit(s.charAt(j))) {
                    j++;
                }
                if (j < s.length() && s.charAt(j) == '.') {
                    real = true;
                    j++;
                    while (j < s.length() && Character.isDigit(s.charAt(j))) {
                        j++;
                    }
                }
                if (j < s.length() && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
                    int k = j + 1;
                    if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                        k++;
                    }
                    if (k < s.length() && Character.isDigit(s.charAt(k))) {
                        real = true;
                        j = k;
                        while (j < s.length() && Character.isDigit(s.charAt(j))) {
                            j++;
                        }
                    }
                }
                if (j < s.length() && (Character.isLetter(s.charAt(j)) || s.charAt(j) == '_')) {
                    throw error(offset + j, "a number followed by '" + s.charAt(j) + "'");
                }
                String num = s.substring(i, j);
                Object v;
                if (real) {
                    v = Double.valueOf(num);
                } else {
                    try {
                        v = Long.valueOf(num);
                    } catch (NumberFormatException e) {
                        v = Double.valueOf(num);
                    }
                }
                out.add(new Token(T.NUMBER, num, v, pos));
                i = j;
            } else if (c == '\'' || c == '"') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                boolean closed = false;
                while (j < s.length()) {
                    char d = s.charAt(j);
                    if (d == c) {
                        if (j + 1 < s.length() && s.charAt(j + 1) == c) {
                            sb.append(c);
                            j += 2;
                            continue;
                        }
                        closed = true;
                        j++;
                        break;
                    }
                    sb.append(d);
                    j++;
                }
                if (!closed) {
                    throw error(pos, "unterminated string");
                }
                out.add(new Token(T.STRING, s.substring(i, j), sb.toString(), pos));
                i = j;
            } else if (c == '$') {
                if (i + 1 >= s.length() || s.charAt(i + 1) != '(') {
                    throw error(pos, "'$' must start a time $(...)");
                }
                int close = s.indexOf(')', i + 2);
                if (close < 0) {
                    throw error(pos, "unterminated $(");
                }
                String timeText = s.substring(i + 2, close).trim();
                double tai;
                try {
                    tai = DrmsTime.parse(timeText);
                } catch (RuntimeException e) {
                    throw error(offset + i + 2, "bad time '" + timeText + "': " + e.getMessage());
                }
                out.add(new Token(T.TIME, s.substring(i, close + 1), tai, pos));
                i = close + 1;
            } else if (c == '(') {
                out.add(new Token(T.LPAREN, "(", null, pos));
                i++;
            } else if (c == ')') {
                out.add(new Token(T.RPAREN, ")", null, pos));
                i++;
            } else if (c == ',') {
                out.add(new Token(T.COMMA, ",", null, pos));
                i++;
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (two.equals("<>") || two.equals("!=") || two.equals("<=") || two.equals(">=")) {
                    out.add(new Token(T.OP, two, null, pos));
                    i += 2;
                } else if ("=<>+-*/%".indexOf(c) >= 0) {
                    out.add(new Token(T.OP, String.valueOf(c), null, pos));
                    i++;
                } else if (two.equals("||")) {
                    throw error(pos, "operator '||' is not allowed");
                } else {
                    throw error(pos, "'" + c + "' is not allowed in a condition");
                }
            }
        }
        out.add(new Token(T.EOF, "end", null, offset + s.length()));
        return out;
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(at + ahead, tokens.size() - 1));
    }

    private Token next() {
        return tokens.get(at++);
    }

    private boolean accept(String word) {
        if (peek().is(word)) {
            at++;
            return true;
        }
        return false;
    }

    private Token expect(T type, String what) {
        Token t = peek();
        if (t.type != type) {
            throw error(t.pos, "expected " + what + (t.type == T.EOF ? " at the end" : ", found '" + t.text + "'"));
        }
        return next();
    }

    // ------------------------------------------------------------------------------------------ grammar

    private Expr or() {
        Expr e = and();
        while (accept("OR")) {
            e = new Expr.Binary("OR", e, and());
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (accept("AND")) {
            e = new Expr.Binary("AND", e, not());
        }
        return e;
    }

    private Expr not() {
        if (accept("NOT")) {
            return new Expr.Unary("NOT", not());
        }
        return predicate();
    }

    private Expr predicate() {
        Expr left = additive();
        Token t = peek();
        if (t.type == T.OP && Set.of("=", "<>", "!=", "<", "<=", ">", ">=").contains(t.text)) {
            next();
            return new Expr.Binary(t.text, left, additive());
        }
        if (accept("IS")) {
            boolean not = accept("NOT");
            Token n = peek();
            if (!n.is("NULL")) {
                throw error(n.pos, "expected NULL after IS" + (not ? " NOT" : ""));
            }
            next();
            return new Expr.IsNull(left, not);
        }
        boolean not = false;
        if (peek().is("NOT") && (peek(1).is("IN") || peek(1).is("BETWEEN") || peek(1).is("LIKE"))) {
            next();
            not = true;
        }
        if (accept("IN")) {
            expect(T.LPAREN, "'(' after IN");
            if (peek().is("SELECT")) {
                throw error(peek().pos, "sub-queries are not allowed");
            }
            List<Expr> values = new ArrayList<>();
            values.add(additive());
            while (peek().type == T.COMMA) {
                next();
                values.add(additive());
            }
            expect(T.RPAREN, "')' closing IN (");
            return new Expr.In(left, values, not);
        }
        if (accept("BETWEEN")) {
            Expr low = additive();
            if (!accept("AND")) {
                throw error(peek().pos, "expected AND in BETWEEN");
            }
            return new Expr.Range(left, low, additive(), not);
        }
        if (accept("LIKE")) {
            return new Expr.Like(left, additive(), not);
        }
        if (not) {
            throw error(peek().pos, "expected IN, BETWEEN or LIKE after NOT");
        }
        return left;
    }

    private Expr additive() {
        Expr e = multiplicative();
        while (peek().type == T.OP && (peek().text.equals("+") || peek().text.equals("-"))) {
            String op = next().text;
            e = new Expr.Binary(op, e, multiplicative());
        }
        return e;
    }

    private Expr multiplicative() {
        Expr e = unary();
        while (peek().type == T.OP && "*/%".contains(peek().text)) {
            String op = next().text;
            e = new Expr.Binary(op, e, unary());
        }
        return e;
    }

    private Expr unary() {
        Token t = peek();
        if (t.type == T.OP && (t.text.equals("-") || t.text.equals("+"))) {
            next();
            return new Expr.Unary(t.text, unary());
        }
        return primary();
    }

    private Expr primary() {
        Token t = next();
        switch (t.type) {
            case NUMBER, STRING, TIME -> {
                return new Expr.Literal(t.value);
            }
            case LPAREN -> {
                if (peek().is("SELECT") || peek().is("WITH") || peek().is("VALUES")) {
                    throw error(peek().pos, "sub-queries are not allowed");
                }
                Expr e = or();
                Token close = peek();
                if (close.type != T.RPAREN) {
                    throw error(close.type == T.EOF ? t.pos : close.pos, close.type == T.EOF
                            ? "unbalanced '('" : "expected ')', found '" + close.text + "'");
                }
                next();
                return e;
            }
            case IDENT -> {
                String lower = t.text.toLowerCase(Locale.ROOT);
                if (peek().type == T.LPAREN) {
                    return call(t, lower);
                }
                if (lower.equals("select") || lower.equals("with") || lower.equals("values")) {
                    throw error(t.pos, "sub-queries are not allowed");
                }
                if (RESERVED.contains(lower)) {
                    throw error(t.pos, "unexpected '" + t.text + "'");
                }
                return new Expr.Column(column(t));
            }
            case EOF -> throw error(t.pos, "the condition ends too early");
            default -> throw error(t.pos, "unexpected '" + t.text + "'");
        }
    }

    private Expr call(Token name, String lower) {
        Integer arity = FUNCTIONS.get(lower);
        if (arity == null) {
            throw error(name.pos, "function '" + name.text + "' is not allowed (allowed: "
                    + String.join(", ", new java.util.TreeSet<>(FUNCTIONS.keySet())) + ")");
        }
        Token open = expect(T.LPAREN, "'('");
        List<Expr> args = new ArrayList<>();
        if (peek().type != T.RPAREN) {
            args.add(or());
            while (peek().type == T.COMMA) {
                next();
                args.add(or());
            }
        }
        Token close = peek();
        if (close.type != T.RPAREN) {
            throw error(close.type == T.EOF ? open.pos : close.pos,
                    close.type == T.EOF ? "unbalanced '('" : "expected ')', found '" + close.text + "'");
        }
        next();
        boolean ok = arity < 0 ? !args.isEmpty() && (!lower.equals("round") || args.size() <= 2)
                : args.size() == arity;
        if (!ok) {
            throw error(name.pos, "wrong number of arguments for " + lower + "()");
        }
        return new Expr.Call(lower, args);
    }

    /** The column a name refers to (lower-cased), or an error when the series has no such column. */
    private String column(Token t) {
        String lower = t.text.toLowerCase(Locale.ROOT);
        if (FIXED_COLUMNS.contains(lower)) {
            return lower;
        }
        Optional<KeywordDef> k = def.keyword(t.text);
        if (k.isEmpty()) {
            throw error(t.pos, "unknown column '" + t.text + "' (not a keyword of " + def.name() + ")");
        }
        if (!k.get().isColumn() || k.get().perSegment()) {
            throw error(t.pos, "keyword '" + t.text + "' is not a column of " + def.name()
                    + (k.get().isConstant() ? " (constant)" : k.get().isLink() ? " (linked)" : " (per segment)"));
        }
        return k.get().column();
    }

    /** Whether {@code column} is a column a condition of {@code def} may use (checked again when making SQL). */
    static boolean isColumn(SeriesDefinition def, String column) {
        if (FIXED_COLUMNS.contains(column)) {
            return true;
        }
        return def.keywords().stream().anyMatch(k -> k.isColumn() && !k.perSegment() && k.column().equals(column));
    }
}
