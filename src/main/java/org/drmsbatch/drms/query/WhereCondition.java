package org.drmsbatch.drms.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;

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
 * <p>The condition is also checked against the types of its columns: a comparison, IN or BETWEEN compares text with
 * text and numbers with numbers, arithmetic takes numbers ({@code %} and mod whole numbers), LIKE text, AND/OR/NOT
 * comparisons, and the whole condition must be true or false; round's digits are a whole number from -100 to 100, and
 * a division by a literal zero or the square root of a negative literal is refused here already. What only the data can
 * tell (a division by a column that is zero) is refused by the database and reported at the condition's position
 * ({@link RecordSets}).
 *
 * <p>A condition nests at most {@link #MAX_DEPTH} levels: each parenthesis, function call, NOT, sign and arithmetic
 * or comparison operator of a chain counts one level; a chain of AND or OR counts only the logarithm of its length
 * (it is kept as a balanced tree), so a chain of 100 000 ORs is fine. Deeper conditions are refused at the position
 * where they get too deep, never with a stack overflow; and the whole expression tree is at most {@link #MAX_HEIGHT}
 * levels high (AND/OR chains nested in many parentheses are refused at the condition's start).
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

    /** How deeply a condition may nest (see the class comment): parentheses, calls, NOT, signs, operator chains. */
    public static final int MAX_DEPTH = 100;

    /** round's digits: at most this many either side of the point. */
    static final int MAX_ROUND_DIGITS = 100;

    /** What a (sub-)condition evaluates to, for the type check. */
    private enum Kind {
        INTEGER("a whole number"), REAL("a number"), TEXT("text"), BOOLEAN("true or false");

        final String what;

        Kind(String what) {
            this.what = what;
        }

        boolean numeric() {
            return this == INTEGER || this == REAL;
        }

        boolean comparableWith(Kind other) {
            return this == other || numeric() && other.numeric();
        }
    }

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
    /** The current nesting (see {@link #MAX_DEPTH}). */
    private int depth;
    /** The kind of each expression made so far (by identity). */
    private final java.util.IdentityHashMap<Expr, Kind> kinds = new java.util.IdentityHashMap<>();

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
        Token first = p.peek();
        Expr e = p.or();
        Token t = p.peek();
        if (t.type != T.EOF) {
            if (t.type == T.RPAREN) {
                throw p.error(t.pos, "unbalanced ')'");
            }
            throw p.error(t.pos, "unexpected '" + t.text + "' after the end of the condition");
        }
        Kind k = p.kinds.get(e);
        if (k != Kind.BOOLEAN) {
            throw p.error(first.pos, "the condition must be true or false (a comparison), not " + k.what);
        }
        int height = height(e);
        if (height > MAX_HEIGHT) {
            throw p.error(first.pos, "the condition is too complex: its expression is " + height
                    + " levels deep, more than " + MAX_HEIGHT + " (AND/OR chains inside many parentheses); "
                    + "simplify it");
        }
        return e;
    }

    /**
     * The deepest expression tree a condition may make. {@link #MAX_DEPTH} bounds what the parser counts as it reads,
     * but each level may hold AND and OR chains of several tree levels each; the SQL renderer and the checks walk
     * the tree recursively, so its whole height is bounded too (far below what a thread's stack takes).
     */
    public static final int MAX_HEIGHT = 400;

    /** The height of the expression tree, counted without recursion. */
    static int height(Expr root) {
        int max = 0;
        java.util.ArrayDeque<Object[]> todo = new java.util.ArrayDeque<>();
        todo.push(new Object[] {root, 1});
        while (!todo.isEmpty()) {
            Object[] top = todo.pop();
            Expr e = (Expr) top[0];
            int d = (Integer) top[1];
            max = Math.max(max, d);
            List<Expr> children;
            if (e instanceof Expr.Unary u) {
                children = List.of(u.operand());
            } else if (e instanceof Expr.Binary bin) {
                children = List.of(bin.left(), bin.right());
            } else if (e instanceof Expr.In in) {
                children = new ArrayList<>(in.values());
                children.add(in.operand());
            } else if (e instanceof Expr.Range r) {
                children = List.of(r.operand(), r.low(), r.high());
            } else if (e instanceof Expr.Like l) {
                children = List.of(l.operand(), l.pattern());
            } else if (e instanceof Expr.IsNull n) {
                children = List.of(n.operand());
            } else if (e instanceof Expr.Call c) {
                children = c.args();
            } else {
                children = List.of(); // a column or a literal
            }
            for (Expr c : children) {
                todo.push(new Object[] {c, d + 1});
            }
        }
        return max;
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

    /** One level deeper, refused past {@link #MAX_DEPTH}. */
    private void enter(int pos) {
        if (++depth > MAX_DEPTH) {
            throw error(pos, "the condition nests too deeply (more than " + MAX_DEPTH + " levels of parentheses, "
                    + "functions, NOT, signs or chained operators)");
        }
    }

    private <E extends Expr> E kind(E e, Kind k) {
        kinds.put(e, k);
        return e;
    }

    private Kind kindOf(Expr e) {
        return kinds.get(e);
    }

    /** Checks that {@code e} (starting at {@code pos}) is of a kind {@code ok} accepts. */
    private void need(Expr e, int pos, java.util.function.Predicate<Kind> ok, String what) {
        Kind k = kindOf(e);
        if (!ok.test(k)) {
            throw error(pos, what + ", not " + k.what + " (" + e + ")");
        }
    }

    private void comparable(Expr left, Expr right, int opPos, String op) {
        Kind l = kindOf(left);
        Kind r = kindOf(right);
        if (!l.comparableWith(r)) {
            throw error(opPos, "cannot compare " + l.what + " with " + r.what + ": " + left + " " + op + " " + right
                    + (l == Kind.TEXT || r == Kind.TEXT ? " (write text in quotes, numbers without)" : ""));
        }
    }

    /** A chain {@code a OP b OP c ...} of AND or OR, kept as a balanced tree so its depth grows as log(length). */
    private Expr chain(String op, java.util.function.Supplier<Expr> term) {
        int pos = peek().pos;
        Expr first = term.get();
        if (!peek().is(op)) {
            return first;
        }
        List<Expr> terms = new ArrayList<>();
        terms.add(first);
        List<Integer> positions = new ArrayList<>();
        positions.add(pos);
        while (peek().is(op)) {
            next();
            positions.add(peek().pos);
            terms.add(term.get());
            if (terms.size() == 2) {
                need(terms.get(0), positions.get(0), k -> k == Kind.BOOLEAN, op + " needs a comparison on its left");
            }
            need(terms.get(terms.size() - 1), positions.get(positions.size() - 1), k -> k == Kind.BOOLEAN,
                    op + " needs a comparison on its right");
        }
        return balanced(op, terms, 0, terms.size());
    }

    /**
     * {@code terms[from, to)} joined by {@code op}: left-deep as written for short chains (as they always were),
     * balanced halves for long ones.
     */
    private Expr balanced(String op, List<Expr> terms, int from, int to) {
        if (to - from <= 8) {
            Expr e = terms.get(from);
            for (int i = from + 1; i < to; i++) {
                e = kind(new Expr.Binary(op, e, terms.get(i)), Kind.BOOLEAN);
            }
            return e;
        }
        int mid = (from + to) >>> 1;
        return kind(new Expr.Binary(op, balanced(op, terms, from, mid), balanced(op, terms, mid, to)), Kind.BOOLEAN);
    }

    private Expr or() {
        return chain("OR", this::and);
    }

    private Expr and() {
        return chain("AND", this::not);
    }

    private Expr not() {
        Token t = peek();
        if (accept("NOT")) {
            enter(t.pos);
            int pos = peek().pos;
            Expr operand = not();
            need(operand, pos, k -> k == Kind.BOOLEAN, "NOT needs a comparison");
            depth--;
            return kind(new Expr.Unary("NOT", operand), Kind.BOOLEAN);
        }
        return predicate();
    }

    private Expr predicate() {
        int leftPos = peek().pos;
        Expr left = additive();
        Token t = peek();
        if (t.type == T.OP && Set.of("=", "<>", "!=", "<", "<=", ">", ">=").contains(t.text)) {
            next();
            Expr right = additive();
            comparable(left, right, t.pos, t.text);
            return kind(new Expr.Binary(t.text, left, right), Kind.BOOLEAN);
        }
        if (accept("IS")) {
            boolean not = accept("NOT");
            Token n = peek();
            if (!n.is("NULL")) {
                throw error(n.pos, "expected NULL after IS" + (not ? " NOT" : ""));
            }
            next();
            return kind(new Expr.IsNull(left, not), Kind.BOOLEAN);
        }
        boolean not = false;
        if (peek().is("NOT") && (peek(1).is("IN") || peek(1).is("BETWEEN") || peek(1).is("LIKE"))) {
            next();
            not = true;
        }
        Token op = peek();
        if (accept("IN")) {
            expect(T.LPAREN, "'(' after IN");
            if (peek().is("SELECT")) {
                throw error(peek().pos, "sub-queries are not allowed");
            }
            List<Expr> values = new ArrayList<>();
            int vpos = peek().pos;
            Expr v = additive();
            comparable(left, v, vpos, "IN");
            values.add(v);
            while (peek().type == T.COMMA) {
                next();
                vpos = peek().pos;
                v = additive();
                comparable(left, v, vpos, "IN");
                values.add(v);
            }
            expect(T.RPAREN, "')' closing IN (");
            return kind(new Expr.In(left, values, not), Kind.BOOLEAN);
        }
        if (accept("BETWEEN")) {
            Expr low = additive();
            comparable(left, low, op.pos, "BETWEEN");
            if (!accept("AND")) {
                throw error(peek().pos, "expected AND in BETWEEN");
            }
            Token and = tokens.get(at - 1);
            Expr high = additive();
            comparable(left, high, and.pos, "BETWEEN ... AND");
            return kind(new Expr.Range(left, low, high, not), Kind.BOOLEAN);
        }
        if (accept("LIKE")) {
            int ppos = peek().pos;
            Expr pattern = additive();
            need(left, leftPos, k -> k == Kind.TEXT, "LIKE compares text");
            need(pattern, ppos, k -> k == Kind.TEXT, "a LIKE pattern is text");
            return kind(new Expr.Like(left, pattern, not), Kind.BOOLEAN);
        }
        if (not) {
            throw error(peek().pos, "expected IN, BETWEEN or LIKE after NOT");
        }
        return left;
    }

    private Expr additive() {
        int pos = peek().pos;
        Expr e = multiplicative();
        int levels = 0;
        while (peek().type == T.OP && (peek().text.equals("+") || peek().text.equals("-"))) {
            Token o = next();
            enter(o.pos);
            levels++;
            int rpos = peek().pos;
            Expr r = multiplicative();
            e = arithmetic(o, e, pos, r, rpos);
        }
        depth -= levels;
        return e;
    }

    private Expr multiplicative() {
        int pos = peek().pos;
        Expr e = unary();
        int levels = 0;
        while (peek().type == T.OP && "*/%".contains(peek().text)) {
            Token o = next();
            enter(o.pos);
            levels++;
            int rpos = peek().pos;
            Expr r = unary();
            e = arithmetic(o, e, pos, r, rpos);
        }
        depth -= levels;
        return e;
    }

    /** {@code left op right}, checked: numbers (whole numbers for %), no division by a literal zero. */
    private Expr arithmetic(Token op, Expr left, int leftPos, Expr right, int rightPos) {
        boolean whole = op.text.equals("%");
        java.util.function.Predicate<Kind> ok = whole ? k -> k == Kind.INTEGER : Kind::numeric;
        String what = "'" + op.text + "' needs " + (whole ? "whole numbers" : "numbers");
        need(left, leftPos, ok, what);
        need(right, rightPos, ok, what);
        if ((op.text.equals("/") || whole) && isZero(right)) {
            throw error(rightPos, "division by zero");
        }
        Kind k = kindOf(left) == Kind.INTEGER && kindOf(right) == Kind.INTEGER ? Kind.INTEGER : Kind.REAL;
        return kind(new Expr.Binary(op.text, left, right), k);
    }

    private static boolean isZero(Expr e) {
        return e instanceof Expr.Literal l && l.value() instanceof Number n && n.doubleValue() == 0;
    }

    private Expr unary() {
        Token t = peek();
        if (t.type == T.OP && (t.text.equals("-") || t.text.equals("+"))) {
            next();
            enter(t.pos);
            int pos = peek().pos;
            Expr operand = unary();
            need(operand, pos, Kind::numeric, "a sign '" + t.text + "' needs a number");
            depth--;
            return kind(new Expr.Unary(t.text, operand), kindOf(operand));
        }
        return primary();
    }

    private Expr primary() {
        Token t = next();
        switch (t.type) {
            case NUMBER, TIME -> {
                return kind(new Expr.Literal(t.value), t.value instanceof Long ? Kind.INTEGER : Kind.REAL);
            }
            case STRING -> {
                return kind(new Expr.Literal(t.value), Kind.TEXT);
            }
            case LPAREN -> {
                if (peek().is("SELECT") || peek().is("WITH") || peek().is("VALUES")) {
                    throw error(peek().pos, "sub-queries are not allowed");
                }
                enter(t.pos);
                Expr e = or();
                Token close = peek();
                if (close.type != T.RPAREN) {
                    throw error(close.type == T.EOF ? t.pos : close.pos, close.type == T.EOF
                            ? "unbalanced '('" : "expected ')', found '" + close.text + "'");
                }
                next();
                depth--;
                return e;
            }
            case IDENT -> {
                String lower = t.text.toLowerCase(Locale.ROOT);
                if (peek().type == T.LPAREN) {
                    enter(t.pos);
                    Expr c = call(t, lower);
                    depth--;
                    return c;
                }
                if (lower.equals("select") || lower.equals("with") || lower.equals("values")) {
                    throw error(t.pos, "sub-queries are not allowed");
                }
                if (RESERVED.contains(lower)) {
                    throw error(t.pos, "unexpected '" + t.text + "'");
                }
                return column(t);
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
        List<Integer> argPos = new ArrayList<>();
        if (peek().type != T.RPAREN) {
            argPos.add(peek().pos);
            args.add(or());
            while (peek().type == T.COMMA) {
                next();
                argPos.add(peek().pos);
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
        return kind(new Expr.Call(lower, args), callKind(lower, args, argPos));
    }

    /** Checks a call's arguments against its function; the kind of its result. */
    private Kind callKind(String f, List<Expr> args, List<Integer> pos) {
        switch (f) {
            case "abs", "floor", "ceil" -> {
                need(args.get(0), pos.get(0), Kind::numeric, f + "() needs a number");
                return kindOf(args.get(0));
            }
            case "sqrt" -> {
                need(args.get(0), pos.get(0), Kind::numeric, f + "() needs a number");
                if (constant(args.get(0)) instanceof Number n && n.doubleValue() < 0) {
                    throw error(pos.get(0), "cannot take the square root of a negative number (" + args.get(0) + ")");
                }
                return Kind.REAL;
            }
            case "round" -> {
                need(args.get(0), pos.get(0), Kind::numeric, f + "() needs a number");
                if (args.size() == 2) {
                    Object digits = constant(args.get(1));
                    if (!(digits instanceof Long d) || Math.abs(d) > MAX_ROUND_DIGITS) {
                        throw error(pos.get(1), "round()'s digits must be a whole number from -" + MAX_ROUND_DIGITS
                                + " to " + MAX_ROUND_DIGITS + ", not " + args.get(1));
                    }
                    return Kind.REAL;
                }
                return kindOf(args.get(0));
            }
            case "mod" -> {
                for (int i = 0; i < 2; i++) {
                    need(args.get(i), pos.get(i), k -> k == Kind.INTEGER, "mod() needs whole numbers");
                }
                if (isZero(args.get(1))) {
                    throw error(pos.get(1), "division by zero");
                }
                return Kind.INTEGER;
            }
            case "lower", "upper" -> {
                need(args.get(0), pos.get(0), k -> k == Kind.TEXT, f + "() needs text");
                return Kind.TEXT;
            }
            case "length" -> {
                need(args.get(0), pos.get(0), k -> k == Kind.TEXT, f + "() needs text");
                return Kind.INTEGER;
            }
            default -> { // coalesce
                Kind k = kindOf(args.get(0));
                for (int i = 1; i < args.size(); i++) {
                    if (!k.comparableWith(kindOf(args.get(i)))) {
                        throw error(pos.get(i), "coalesce() needs arguments of one kind: " + k.what + " and "
                                + kindOf(args.get(i)).what);
                    }
                    if (kindOf(args.get(i)) == Kind.REAL) {
                        k = Kind.REAL;
                    }
                }
                return k;
            }
        }
    }

    /** The value of a literal, or of a signed literal; null for anything else. */
    private static Object constant(Expr e) {
        if (e instanceof Expr.Literal l) {
            return l.value();
        }
        if (e instanceof Expr.Unary u && u.operand() instanceof Expr.Literal l && l.value() instanceof Number n) {
            if (u.op().equals("+")) {
                return n;
            }
            return n instanceof Long v ? (Object) (-v) : (Object) (-n.doubleValue());
        }
        return null;
    }

    /** The column a name refers to (lower-cased), or an error when the series has no such column. */
    private Expr column(Token t) {
        String lower = t.text.toLowerCase(Locale.ROOT);
        if (FIXED_COLUMNS.contains(lower)) {
            return kind(new Expr.Column(lower), Kind.INTEGER);
        }
        Optional<KeywordDef> k = def.keyword(t.text);
        if (k.isEmpty()) {
            throw error(t.pos, "unknown column '" + t.text + "' (not a keyword of " + def.name() + ")");
        }
        if (!k.get().isColumn() || k.get().perSegment()) {
            throw error(t.pos, "keyword '" + t.text + "' is not a column of " + def.name()
                    + (k.get().isConstant() ? " (constant)" : k.get().isLink() ? " (linked)" : " (per segment)"));
        }
        DrmsType type = k.get().type();
        return kind(new Expr.Column(k.get().column()), type == DrmsType.STRING ? Kind.TEXT
                : type.isInteger() ? Kind.INTEGER : Kind.REAL);
    }

    /** Whether {@code column} is a column a condition of {@code def} may use (checked again when making SQL). */
    static boolean isColumn(SeriesDefinition def, String column) {
        if (FIXED_COLUMNS.contains(column)) {
            return true;
        }
        return def.keywords().stream().anyMatch(k -> k.isColumn() && !k.perSegment() && k.column().equals(column));
    }
}
