package org.drmsbatch.drms.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.Slots;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.time.Slot;

/**
 * Turns a record set into SQL with bind parameters (specs/drms.md §2.1, §2.2, §3). Every value of the query is a
 * bind parameter; identifiers come only from the series definition and are quoted.
 *
 * <p>The shapes, with {@code P} = the internal prime keys ({@code T_REC_index} for a slotted {@code T_REC}):
 * <ul>
 * <li>prime-key filters only (latest version of each tuple among the filtered rows; a filter on prime keys keeps
 * or drops every version of a tuple alike, so this is the newest version overall):
 * {@code SELECT DISTINCT ON (P) * FROM t WHERE w ORDER BY P, recnum DESC LIMIT ?} — served by the
 * {@code (P, recnum DESC)} index {@code <table>_prime_idx};</li>
 * <li>mixed ({@code [? ?]} present): the version is chosen before the condition:
 * {@code SELECT * FROM (SELECT DISTINCT ON (P) * FROM t WHERE w ORDER BY P, recnum DESC) l WHERE c ORDER BY P};</li>
 * <li>{@code [! !]} or {@code [:#…]} (every version): {@code SELECT * FROM t WHERE w ORDER BY P, recnum};</li>
 * <li>n &lt; 0: the same ordered descending, limited, and re-ordered ascending by an outer query.</li>
 * </ul>
 * Counts: {@code count(*)} over {@code SELECT 1 ... GROUP BY P} (prime-key only), over the mixed query, or over the
 * rows (every version).
 */
public final class QuerySql {

    /** Function name -> SQL as emitted (the same names; checked again here). */
    private static final Set<String> FUNCTIONS = Set.of("abs", "round", "floor", "ceil", "sqrt", "mod", "lower",
            "upper", "length", "coalesce");
    private static final Map<String, String> OPERATORS = Map.ofEntries(Map.entry("AND", "AND"),
            Map.entry("OR", "OR"), Map.entry("=", "="), Map.entry("<>", "<>"), Map.entry("!=", "<>"),
            Map.entry("<", "<"), Map.entry("<=", "<="), Map.entry(">", ">"), Map.entry(">=", ">="),
            Map.entry("+", "+"), Map.entry("-", "-"), Map.entry("*", "*"), Map.entry("/", "/"),
            Map.entry("%", "%"));

    private QuerySql() {
    }

    /** A piece of SQL and its bind values in order. */
    record Frag(String sql, List<Object> binds) {
        Frag(String sql, Object... binds) {
            this(sql, List.of(binds));
        }
    }

    /** The SELECT of a record set: whole rows, prime-key order, first n (n &gt; 0), last n (n &lt; 0), all (0). */
    public static SqlQuery select(RecordSet rs, SeriesDefinition def, int n) {
        Parts p = new Parts(rs, def);
        // after version selection each tuple is one row: ordering by the prime keys alone is enough (and lets
        // PostgreSQL reuse the order of the DISTINCT ON scan)
        String order = p.mode() == Mode.MIXED ? p.pkList : p.order(false);
        String orderDesc = p.mode() == Mode.MIXED ? p.pkListDesc : p.order(true);
        List<Object> binds = new ArrayList<>();
        String inner;
        switch (p.mode()) {
            case ALL -> {
                inner = "SELECT * FROM " + p.table + where(p.all, binds);
            }
            case LATEST -> {
                inner = "SELECT DISTINCT ON (" + p.pkList + ") * FROM " + p.table + where(p.prime, binds);
            }
            default -> {
                List<Object> b = new ArrayList<>();
                String latest = "SELECT DISTINCT ON (" + p.pkList + ") * FROM " + p.table + where(p.prime, b)
                        + " ORDER BY " + p.pkList + ", recnum DESC";
                binds.addAll(b);
                inner = "SELECT * FROM (" + latest + ") latest" + where(p.condition, binds);
            }
        }
        String sql;
        if (p.mode() == Mode.LATEST) {
            // DISTINCT ON needs the prime keys first in ORDER BY; recnum DESC picks the newest version
            if (n >= 0) {
                sql = inner + " ORDER BY " + p.pkList + ", recnum DESC" + limit(n, binds);
            } else {
                sql = "SELECT * FROM (" + inner + " ORDER BY " + p.pkListDesc + ", recnum DESC" + limit(n, binds)
                        + ") q ORDER BY " + order;
            }
        } else if (n >= 0) {
            sql = inner + " ORDER BY " + order + limit(n, binds);
        } else {
            sql = "SELECT * FROM (" + inner + " ORDER BY " + orderDesc + limit(n, binds) + ") q ORDER BY " + order;
        }
        return new SqlQuery(sql, binds);
    }

    /** The number of records {@link #select} returns with n = 0. */
    public static SqlQuery count(RecordSet rs, SeriesDefinition def) {
        Parts p = new Parts(rs, def);
        List<Object> binds = new ArrayList<>();
        String sql = switch (p.mode()) {
            case ALL -> "SELECT count(*) FROM " + p.table + where(p.all, binds);
            // GROUP BY rather than DISTINCT: the same plan (an index-only scan of the prime-key index), measured
            // ~1.4x faster in PostgreSQL 15 (a Group node rather than Unique, QueryBenchmark)
            case LATEST -> "SELECT count(*) FROM (SELECT 1 FROM " + p.table + where(p.prime, binds)
                    + " GROUP BY " + p.pkList + ") q";
            case MIXED -> {
                String latest = "SELECT DISTINCT ON (" + p.pkList + ") * FROM " + p.table + where(p.prime, binds)
                        + " ORDER BY " + p.pkList + ", recnum DESC";
                yield "SELECT count(*) FROM (" + latest + ") latest" + where(p.condition, binds);
            }
        };
        return new SqlQuery(sql, binds);
    }

    /**
     * One page of a record set in recnum order, for readers that keep their place by record number: the records
     * the record set selects when only rows with {@code recnum <= snapshot} exist (a snapshot taken at job start,
     * so versions added later, e.g. clones into the same series, neither appear nor hide their originals), with
     * {@code after < recnum <= through}, at most {@code limit} of them.
     *
     * <p>The version choice is an anti-join ("no newer version up to upTo") rather than {@code DISTINCT ON}, so
     * that the recnum condition and order can use the recnum index and each page costs what it returns:
     * {@code SELECT t.* FROM tab t WHERE prime AND recnum <= through AND NOT EXISTS (SELECT 1 FROM tab v WHERE
     * v.P = t.P AND v.recnum > t.recnum AND v.recnum <= snapshot) AND condition AND recnum > after ORDER BY recnum
     * LIMIT limit}. Prime-key
     * filters depend only on prime-key columns, so they keep or drop all versions of a tuple alike; the
     * {@code [? ?]} condition is tested on the chosen (latest) version, as in {@link #select}.
     */
    public static SqlQuery page(RecordSet rs, SeriesDefinition def, long after, long through, long snapshot,
            int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + limit);
        }
        Parts p = new Parts(rs, def);
        List<Object> binds = new ArrayList<>();
        List<Frag> conds = new ArrayList<>();
        if (p.mode() == Mode.ALL) {
            conds.addAll(p.all);
        } else {
            conds.addAll(p.prime);
        }
        conds.add(new Frag("t.recnum <= ?", Math.min(through, snapshot)));
        if (p.mode() != Mode.ALL) {
            String same = p.pks.stream().map(c -> "v." + c + " = t." + c).collect(Collectors.joining(" AND "));
            conds.add(new Frag("NOT EXISTS (SELECT 1 FROM " + p.table + " v WHERE " + same
                    + " AND v.recnum > t.recnum AND v.recnum <= ?)", snapshot));
            conds.addAll(p.condition);
        }
        conds.add(new Frag("t.recnum > ?", after));
        String sql = "SELECT t.* FROM " + p.table + " t WHERE " + and(conds, binds) + " ORDER BY t.recnum LIMIT ?";
        binds.add((long) limit);
        return new SqlQuery(sql, binds);
    }

    /** The smallest and largest recnum {@link #select} returns with n = 0 (both NULL when it returns nothing). */
    public static SqlQuery recnumSpan(RecordSet rs, SeriesDefinition def) {
        SqlQuery q = select(rs, def, 0);
        return new SqlQuery("SELECT min(recnum), max(recnum) FROM (" + q.sql() + ") q", q.binds());
    }

    /** The largest recnum of a record set's series (0 when it is empty): the snapshot bound for {@link #page}. */
    public static SqlQuery maxRecnum(SeriesDefinition def) {
        return new SqlQuery("SELECT coalesce(max(recnum), 0) FROM " + SeriesCatalog.table(def), List.of());
    }

    private static String limit(int n, List<Object> binds) {
        if (n == 0) {
            return "";
        }
        binds.add((long) Math.abs((long) n));
        return " LIMIT ?";
    }

    private static String where(List<Frag> frags, List<Object> binds) {
        if (frags.isEmpty()) {
            return "";
        }
        return " WHERE " + and(frags, binds);
    }

    private static String and(List<Frag> frags, List<Object> binds) {
        StringBuilder sb = new StringBuilder();
        for (Frag f : frags) {
            if (sb.length() > 0) {
                sb.append(" AND ");
            }
            sb.append(f.sql());
            binds.addAll(f.binds());
        }
        return sb.toString();
    }

    private enum Mode { ALL, LATEST, MIXED }

    /** The conditions of a record set, split into prime-key / record-number conditions and [? ?] conditions. */
    private static final class Parts {
        final RecordSet rs;
        final SeriesDefinition def;
        final String table;
        final List<String> pks;
        final String pkList;
        final String pkListDesc;
        final boolean allVersions;
        /** Conditions in filter order (all kinds): the WHERE when no version logic applies. */
        final List<Frag> all = new ArrayList<>();
        /** Conditions of prime-key (and record-number) filters. */
        final List<Frag> prime = new ArrayList<>();
        /** Conditions of [? ?] filters. */
        final List<Frag> condition = new ArrayList<>();

        Parts(RecordSet rs, SeriesDefinition def) {
            this.rs = rs;
            this.def = def;
            this.table = SeriesCatalog.table(def);
            this.pks = def.internalPrimeKeys().stream().map(k -> SeriesCatalog.quote(k.column())).toList();
            this.pkList = String.join(", ", pks);
            this.pkListDesc = pks.stream().map(c -> c + " DESC").collect(Collectors.joining(", "));
            this.allVersions = rs.allVersions() || pks.isEmpty();
            for (Filter f : rs.filters()) {
                if (f instanceof KeyFilter k) {
                    if (!k.ranges().isEmpty()) {
                        Frag c = keyFilter(k);
                        prime.add(c);
                        all.add(c);
                    }
                } else if (f instanceof RecnumFilter r) {
                    Frag c = recnumFilter(r);
                    prime.add(c);
                    all.add(c);
                } else if (f instanceof WhereFilter w) {
                    List<Object> b = new ArrayList<>();
                    Frag c = new Frag(expr(w.condition(), b), b);
                    if (w.allVersions()) {
                        prime.add(c);
                    } else {
                        condition.add(c);
                    }
                    all.add(c);
                }
            }
        }

        Mode mode() {
            if (allVersions) {
                return Mode.ALL;
            }
            return condition.isEmpty() ? Mode.LATEST : Mode.MIXED;
        }

        String order(boolean desc) {
            String d = desc ? " DESC" : "";
            return pks.stream().map(c -> c + d + ", ").collect(Collectors.joining()) + "recnum" + d;
        }

        QueryException error(String reason) {
            return new QueryException(rs.toString(), 0, reason);
        }

        // ---------------------------------------------------------------------------------- prime keys

        private Frag keyFilter(KeyFilter f) {
            KeywordDef k = def.keyword(f.key()).orElseThrow(() -> error("'" + f.key() + "' is not a keyword of "
                    + def.name()));
            boolean slotted = k.isSlotted();
            KeywordDef colKey = slotted ? def.keyword(k.name() + "_index").orElseThrow(
                    () -> error("slotted keyword " + k.name() + " has no _index keyword")) : k;
            if (!colKey.isColumn()) {
                throw error("'" + f.key() + "' is not a column of " + def.name());
            }
            String col = SeriesCatalog.quote(colKey.column());
            Slot slot = slotted ? Slots.of(def, k) : null;
            List<Object> binds = new ArrayList<>();
            List<String> ors = new ArrayList<>();
            for (KeyRange r : f.ranges()) {
                Frag one = slotted ? slottedRange(col, slot, r) : plainRange(col, k, r);
                ors.add(one.sql());
                binds.addAll(one.binds());
            }
            String sql = ors.size() == 1 ? ors.get(0) : "(" + String.join(" OR ", ors) + ")";
            return new Frag(sql, binds);
        }

        /** {@code (SELECT min|max(col) FROM t [WHERE conditions of the filters to the left])}. */
        private Frag extreme(String col, boolean max) {
            List<Object> binds = new ArrayList<>();
            String w = where(all, binds);
            return new Frag("(SELECT " + (max ? "max" : "min") + "(" + col + ") FROM " + table + w + ")", binds);
        }

        private Frag slottedRange(String col, Slot slot, KeyRange r) {
            if (r instanceof KeyRange.Value v) {
                return new Frag(col + " = ?", slot.index(number(v.value())));
            } else if (r instanceof KeyRange.Between b) {
                long s = slot.index(number(b.from()));
                long e = slot.index(number(b.to()));
                Frag range = new Frag("(" + col + " >= ? AND " + col + " <= ?", s, e);
                return sampled(range, col, s, b.step() == null ? 1 : stepSlots(b.step(), slot));
            } else if (r instanceof KeyRange.Span sp) {
                long s = slot.index(number(sp.from()));
                long count = sp.slots() ? Math.round(sp.length())
                        : (long) Math.floor(sp.length() / slot.step() + 1e-9);
                count = Math.max(1, count);
                Frag range = new Frag("(" + col + " >= ? AND " + col + " < ?", s, s + count);
                return sampled(range, col, s, sp.step() == null ? 1 : stepSlots(sp.step(), slot));
            } else if (r instanceof KeyRange.First) {
                return eq(col, extreme(col, false));
            } else if (r instanceof KeyRange.Last) {
                return eq(col, extreme(col, true));
            } else if (r instanceof KeyRange.Indexed ix) {
                return indexRange(col, ix.range(), i -> i, 1, true, false);
            }
            throw error("unsupported range " + r);
        }

        /** Closes an open {@code (range} fragment, adding {@code AND (col - s) % k = 0} when k &gt; 1. */
        private static Frag sampled(Frag range, String col, long start, long k) {
            if (k <= 1) {
                return new Frag(range.sql() + ")", range.binds());
            }
            List<Object> b = new ArrayList<>(range.binds());
            b.add(start);
            b.add(k);
            return new Frag(range.sql() + " AND (" + col + " - ?) % ? = 0)", b);
        }

        private static Frag eq(String col, Frag value) {
            return new Frag(col + " = " + value.sql(), value.binds());
        }

        /** A step in whole slots: {@code u} steps as given, others round(K / step), at least 1. */
        private static long stepSlots(KeyRange.Step st, Slot slot) {
            long k = st.slots() ? Math.round(st.amount()) : Math.round(st.amount() / slot.step());
            return Math.max(1, k);
        }

        private Frag plainRange(String col, KeywordDef k, KeyRange r) {
            boolean integer = k.type().isInteger();
            if (r instanceof KeyRange.Value v) {
                return new Frag(col + " = ?", bind(k, v.value()));
            } else if (r instanceof KeyRange.Between b) {
                Object from = bind(k, b.from());
                Frag range = new Frag(col + " >= ? AND " + col + " <= ?", from, bind(k, b.to()));
                return plainSampled(range, col, k, from, b.step());
            } else if (r instanceof KeyRange.Span sp) {
                Object from = bind(k, sp.from());
                double length = sp.slots() ? sp.length() * constant(k.name() + "_step", 1) : sp.length();
                Object to = typed(integer, number(sp.from()) + length);
                Frag range = new Frag(col + " >= ? AND " + col + " < ?", from, to);
                return plainSampled(range, col, k, from, sp.step());
            } else if (r instanceof KeyRange.First) {
                return eq(col, extreme(col, false));
            } else if (r instanceof KeyRange.Last) {
                return eq(col, extreme(col, true));
            } else if (r instanceof KeyRange.Indexed ix) {
                double step = constant(k.name() + "_step", 1);
                double base = constant(k.name() + "_base", 0);
                return indexRange(col, ix.range(), i -> typed(integer, i * step + base), step, integer, false);
            }
            throw error("unsupported range " + r);
        }

        private Frag plainSampled(Frag range, String col, KeywordDef k, Object from, KeyRange.Step step) {
            if (step == null) {
                return new Frag("(" + range.sql() + ")", range.binds());
            }
            double amount = step.slots() ? step.amount() * constant(k.name() + "_step", 1) : step.amount();
            Frag s = sample(col, new Frag("?", from), amount, k.type().isInteger(), number(from));
            List<Object> b = new ArrayList<>(range.binds());
            b.addAll(s.binds());
            return new Frag("(" + range.sql() + " AND " + s.sql() + ")", b);
        }

        /**
         * Keeps values that are a whole multiple of {@code k} from {@code start}: integer keys by modulo, others
         * with DRMS's tolerance {@code |(x−A)/K − round((x−A)/K)| < 2e-11·A}.
         */
        private static Frag sample(String col, Frag start, double k, boolean integer, double startValue) {
            if (integer && k == Math.rint(k)) {
                List<Object> b = new ArrayList<>(start.binds());
                b.add((long) k);
                return new Frag("(" + col + " - " + start.sql() + ") % ? = 0", b);
            }
            double tol = Math.max(2e-11 * Math.abs(startValue), 1e-9);
            List<Object> b = new ArrayList<>(start.binds());
            b.add(k);
            b.addAll(start.binds());
            b.add(k);
            b.add(tol);
            String q = "(" + col + " - " + start.sql() + ") / ?";
            return new Frag("abs(" + q + " - round(" + q + ")) < ?", b);
        }

        /**
         * The {@code #} forms over a column whose value for index i is {@code value(i)}: prime keys (slot indexes,
         * N·step + base) and record numbers. {@code #^}/{@code #$} are the min/max, restricted by the filters to
         * the left for prime keys and series-wide for record numbers.
         */
        private Frag indexRange(String col, IndexRange r, LongFunction<Object> value, double unit, boolean integer,
                                boolean recnum) {
                if (r instanceof IndexRange.Single s) {
                    return new Frag(col + " = ?", value.apply(s.n()));
                } else if (r instanceof IndexRange.First x) {
                    return eq(col, recnum ? new Frag("(SELECT min(recnum) FROM " + table + ")")
                        : extreme(col, false));
                } else if (r instanceof IndexRange.Last x) {
                    return eq(col, recnum ? new Frag("(SELECT max(recnum) FROM " + table + ")")
                        : extreme(col, true));
                } else if (r instanceof IndexRange.Between b) {
                    List<String> parts = new ArrayList<>();
                    List<Object> binds = new ArrayList<>();
                    if (b.from() != null) {
                        parts.add(col + " >= ?");
                        binds.add(value.apply(b.from()));
                    }
                    if (b.to() != null) {
                        parts.add(col + " <= ?");
                        binds.add(value.apply(b.to()));
                    }
                    if (b.step() != null && b.step() > 1) {
                        Frag start = b.from() != null ? new Frag("?", value.apply(b.from()))
                                : new Frag("(SELECT min(" + col + ") FROM " + table + ")");
                        double sv = b.from() != null ? number(value.apply(b.from())) : 0;
                        Frag s = sample(col, start, b.step() * unit, integer, sv);
                        parts.add(s.sql());
                        binds.addAll(s.binds());
                    }
                    if (parts.isEmpty()) {
                        return new Frag(col + " IS NOT NULL");
                    }
                    return new Frag("(" + String.join(" AND ", parts) + ")", binds);
                } else if (r instanceof IndexRange.Span sp) {
                    List<Object> binds = new ArrayList<>();
                    binds.add(value.apply(sp.from()));
                    binds.add(value.apply(sp.from() + sp.count()));
                    String sql = col + " >= ? AND " + col + " < ?";
                    if (sp.step() != null && sp.step() > 1) {
                        Frag s = sample(col, new Frag("?", value.apply(sp.from())), sp.step() * unit, integer,
                                number(value.apply(sp.from())));
                        sql += " AND " + s.sql();
                        binds.addAll(s.binds());
                    }
                    return new Frag("(" + sql + ")", binds);
                }
            throw error("unsupported " + r);
        }

        // ---------------------------------------------------------------------------------- record numbers

        private Frag recnumFilter(RecnumFilter f) {
            List<String> ors = new ArrayList<>();
            List<Object> binds = new ArrayList<>();
            for (IndexRange r : f.ranges()) {
                Frag one = indexRange("recnum", r, i -> i, 1, true, true);
                ors.add(one.sql());
                binds.addAll(one.binds());
            }
            return new Frag(ors.size() == 1 ? ors.get(0) : "(" + String.join(" OR ", ors) + ")", binds);
        }

        // ---------------------------------------------------------------------------------- values

        /** A constant keyword's value as a number (a duration string for steps), or {@code dflt} when absent. */
        private double constant(String name, double dflt) {
            String text = Slots.constantText(def, name);
            if (text == null || text.isBlank()) {
                return dflt;
            }
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                try {
                    return DrmsTime.parseDuration(text);
                } catch (RuntimeException e2) {
                    throw error("constant " + name + " of " + def.name() + " is not a number: " + text);
                }
            }
        }

        private double number(Object v) {
            if (v instanceof KeyRange.TimeValue t) {
                return t.tai();
            }
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            throw error("'" + v + "' is not a number");
        }

        /** A value of a key's filter as a bind parameter of the column's type. */
        private Object bind(KeywordDef k, Object v) {
            if (v instanceof String s) {
                if (k.type().isInteger() || k.type().isFloating()) {
                    throw error("'" + s + "' is not a number (key " + k.name() + ")");
                }
                return s;
            }
            double d = number(v);
            return typed(k.type().isInteger(), d);
        }

        private static Object typed(boolean integer, double d) {
            if (integer && d == Math.rint(d) && Math.abs(d) < 9.2e18) {
                return (long) d;
            }
            return d;
        }

        // ---------------------------------------------------------------------------------- [? ?]

        /** Emits a condition: columns checked against the definition and quoted, every literal a bind. */
        private String expr(Expr e, List<Object> binds) {
                if (e instanceof Expr.Column c) {
                    String name = c.name().toLowerCase(Locale.ROOT);
                    if (!WhereCondition.isColumn(def, name)) {
                        throw error("unknown column '" + c.name() + "'");
                    }
                    return SeriesCatalog.quote(name);
                } else if (e instanceof Expr.Literal l) {
                    Object v = l.value();
                    if (!(v instanceof String || v instanceof Long || v instanceof Double || v instanceof Integer)) {
                        throw error("unsupported literal " + v);
                    }
                    binds.add(v instanceof Integer i ? Long.valueOf(i) : v);
                    return "?";
                } else if (e instanceof Expr.Unary u) {
                    return switch (u.op()) {
                    case "NOT" -> "(NOT " + expr(u.operand(), binds) + ")";
                    case "-" -> "(- " + expr(u.operand(), binds) + ")";
                    case "+" -> "(+ " + expr(u.operand(), binds) + ")";
                    default -> throw error("operator '" + u.op() + "' is not allowed");
                };
                } else if (e instanceof Expr.Binary b) {
                    String op = OPERATORS.get(b.op().toUpperCase(Locale.ROOT));
                    if (op == null) {
                        throw error("operator '" + b.op() + "' is not allowed");
                    }
                    String l = expr(b.left(), binds);
                    return "(" + l + " " + op + " " + expr(b.right(), binds) + ")";
                } else if (e instanceof Expr.In in) {
                    String l = expr(in.operand(), binds);
                    List<String> vs = new ArrayList<>();
                    for (Expr v : in.values()) {
                        vs.add(expr(v, binds));
                    }
                    return "(" + l + (in.not() ? " NOT IN (" : " IN (") + String.join(", ", vs) + "))";
                } else if (e instanceof Expr.Range r) {
                    String o = expr(r.operand(), binds);
                    String lo = expr(r.low(), binds);
                    return "(" + o + (r.not() ? " NOT BETWEEN " : " BETWEEN ") + lo + " AND "
                            + expr(r.high(), binds) + ")";
                } else if (e instanceof Expr.Like l) {
                    String o = expr(l.operand(), binds);
                    return "(" + o + (l.not() ? " NOT LIKE " : " LIKE ") + expr(l.pattern(), binds) + ")";
                } else if (e instanceof Expr.IsNull n) {
                    return "(" + expr(n.operand(), binds) + (n.not() ? " IS NOT NULL)" : " IS NULL)");
                } else if (e instanceof Expr.Call c) {
                    if (!FUNCTIONS.contains(c.function())) {
                        throw error("function '" + c.function() + "' is not allowed");
                    }
                    List<String> args = new ArrayList<>();
                    for (Expr a : c.args()) {
                        args.add(expr(a, binds));
                    }
                    if (c.function().equals("round") && args.size() == 2) {
                        // PostgreSQL rounds to digits only on numeric
                        return "round(CAST(" + args.get(0) + " AS numeric), CAST(" + args.get(1) + " AS integer))";
                    }
                    return c.function() + "(" + String.join(", ", args) + ")";
                }
            throw error("unsupported " + e);
        }
    }
}

