package org.drmsbatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdPrinter;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordFields;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Expr;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.query.WhereFilter;
import org.drmsbatch.sums.Sums;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "show-info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the records of a record-set query as JSOC's show_info does.",
                "Arguments: ds=QUERY (or the query as the first word), e.g. ds='hmi.M_45s[2010.05.01_TAI/1h][2]',",
                "n=N (+N first N, -N last N records; required when the query has no filter),",
                "key=K1,K2 (keywords; pseudo-keys *recnum* *sunum* *slot* *size* *online* *retain* *archive*",
                "*recdir* *spec*), seg=S1,S2 (segment files). Output: a tab-separated table with a header row."})
class ShowInfoCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(paramLabel = "ARG", description = "ds=QUERY n=N key=LIST seg=LIST")
    List<String> args = new ArrayList<>();

    @Option(names = "-c", description = "Print the number of records and exit.")
    boolean count;
    @Option(names = "-q", description = "No header row.")
    boolean quiet;
    @Option(names = "-r", description = "Print the record number.")
    boolean recnum;
    @Option(names = "-S", description = "Print the SUNUM.")
    boolean sunum;
    @Option(names = "-p", description = {"Print the record's storage directory; segment files as full paths.",
            "Touches the storage units' retention as DRMS does."})
    boolean path;
    @Option(names = "-P", description = "Print the record's storage directory (no retention touch).")
    boolean pathOnly;
    @Option(names = "-o", description = "Print the storage unit's online status (Y/N).")
    boolean online;
    @Option(names = "-R", description = "Print the storage unit's retention: its expiry date (YYYYMMDDHHMM).")
    boolean retention;
    @Option(names = "-x", description = "Print the storage unit's archive status (Y/N).")
    boolean archive;
    @Option(names = "-i", description = "Print each record's query spec.")
    boolean spec;
    @Option(names = "-a", description = "All keywords.")
    boolean allKeys;
    @Option(names = "-A", description = "All segments.")
    boolean allSegs;
    @Option(names = "-K", description = "All links, with the record each points to.")
    boolean allLinks;
    @Option(names = "-t", description = "Add rows with each column's type and format under the header.")
    boolean types;
    @Option(names = "-k", description = "One KEY=value per line, records separated by '# <spec>' lines (an @file).")
    boolean keyValue;
    @Option(names = "-b", description = "Every version, not only the latest (adds [! 1=1 !]).")
    boolean allVersions;
    @Option(names = "-j", description = "Print the series definition as JSD and exit.")
    boolean jsd;
    @Option(names = "-l", description = "List keywords, segments and links with descriptions and exit.")
    boolean list;
    @Option(names = "-s", description = "Series statistics (records, first and last record) and exit.")
    boolean stats;

    /** One output column: its header, type and format rows, and how a record fills it. */
    private record Column(String header, String type, String format, java.util.function.Function<Record, String> value) {
    }

    @Override
    public Integer call() {
        NamedArgs a = new NamedArgs(args);
        String ds = a.get("ds");
        if (ds == null && !a.words.isEmpty()) {
            ds = a.words.get(0);
        }
        if (ds == null || ds.isBlank()) {
            throw new DrmsCommand.UserError("show-info needs ds=<record-set query>");
        }
        boolean touch = path;
        if (!touch) {
            drms.readOnly();
        }
        Drms d = drms.bean(Drms.class);
        RecordSets sets = drms.bean(RecordSets.class);
        Query query = sets.parse(ds);
        if (allVersions) {
            query = new Query(query.sets().stream().map(ShowInfoCommand::withAllVersions).toList(), query.text());
        }
        SeriesDefinition def = d.describeSeries(query.sets().get(0).series());
        if (jsd) {
            System.out.print(new JsdPrinter().print(def));
            return DrmsCommand.OK;
        }
        if (list) {
            System.out.println(DescribeSeriesCommand.describe(def, sets.recordCount(def.name())));
            return DrmsCommand.OK;
        }
        if (stats) {
            System.out.println("series\t" + def.name());
            System.out.println("records\t" + sets.recordCount(def.name()));
            System.out.println("first\t" + sets.first(def.name()).map(RecordFields::spec).orElse(""));
            System.out.println("last\t" + sets.last(def.name()).map(RecordFields::spec).orElse(""));
            return DrmsCommand.OK;
        }
        if (count) {
            System.out.println(sets.count(query));
            return DrmsCommand.OK;
        }
        String nText = a.get("n");
        boolean filtered = query.sets().stream().anyMatch(r -> !r.filters().isEmpty());
        if (nText == null && !filtered) {
            throw new DrmsCommand.UserError("A query without a filter needs n= (e.g. n=10 for the first ten, n=-10"
                    + " for the last ten records)");
        }
        int n;
        try {
            n = nText == null ? 0 : Integer.parseInt(nText.trim());
        } catch (NumberFormatException e) {
            throw new DrmsCommand.UserError("n= must be an integer, not '" + nText + "'");
        }
        List<String> keys = new ArrayList<>(NamedArgs.list(a.get("key")));
        List<String> segs = new ArrayList<>(NamedArgs.list(a.get("seg")));
        if (allKeys) {
            def.explicitKeywords().forEach(k -> keys.add(k.name()));
        }
        if (allSegs) {
            def.segments().forEach(s -> segs.add(s.name()));
        }
        for (String k : keys) {
            if (!k.startsWith("*") && def.keyword(k).isEmpty()) {
                throw new DrmsCommand.UserError("Series '" + def.name() + "' has no keyword '" + k + "'");
            }
        }
        for (String s : segs) {
            if (def.segment(s).isEmpty()) {
                throw new DrmsCommand.UserError("Series '" + def.name() + "' has no segment '" + s + "'");
            }
        }
        Query q = query;
        List<Record> records = touch
                ? d.inSession(s -> { // handing out paths touches the units' retention, as DRMS does
                    List<Record> rs = sets.open(q, n);
                    s.touch(rs);
                    return rs;
                })
                : sets.open(q, n);
        Map<Long, Sums.Info> units = (online || retention || archive || touch || pathOnly
                || keys.stream().anyMatch(k -> k.startsWith("*")))
                ? d.read(s -> s.storageInfo(records)) : Map.of();
        List<Column> columns = columns(def, keys, segs, units);
        if (path || pathOnly) {
            warnOffline(records, units, ds);
        }
        if (keyValue) {
            for (Record r : records) {
                System.out.println("# " + RecordFields.spec(r));
                for (Column c : columns) {
                    System.out.println(c.header() + "=" + c.value().apply(r));
                }
            }
            return DrmsCommand.OK;
        }
        if (!quiet) {
            System.out.println(String.join("\t", columns.stream().map(Column::header).toList()));
            if (types) {
                System.out.println(String.join("\t", columns.stream().map(Column::type).toList()));
                System.out.println(String.join("\t", columns.stream().map(Column::format).toList()));
            }
        }
        for (Record r : records) {
            System.out.println(String.join("\t", columns.stream().map(c -> c.value().apply(r)).toList()));
        }
        return DrmsCommand.OK;
    }

    private List<Column> columns(SeriesDefinition def, List<String> keys, List<String> segs,
                                 Map<Long, Sums.Info> units) {
        List<Column> out = new ArrayList<>();
        if (spec) {
            out.add(new Column("query", "string", "%s", RecordFields::spec));
        }
        if (recnum) {
            out.add(pseudo("*recnum*", units));
        }
        if (sunum) {
            out.add(pseudo("*sunum*", units));
        }
        if (path || pathOnly) {
            out.add(new Column("SUDIR", "string", "%s", r -> r.directory() != null ? r.directory().toString()
                    : r.sunum() < 0 ? "" : offline(units.get(r.sunum()))));
        }
        if (online) {
            out.add(pseudo("*online*", units));
        }
        if (retention) {
            out.add(pseudo("*retain*", units));
        }
        if (archive) {
            out.add(pseudo("*archive*", units));
        }
        for (String k : keys) {
            if (k.startsWith("*")) {
                out.add(pseudo(k, units));
            } else {
                KeywordDef kd = def.keyword(k).orElseThrow();
                out.add(new Column(kd.name(), kd.isLink() ? "link" : kd.type().jsdName(),
                        kd.format() == null ? "" : kd.format(), r -> r.format(kd.name())));
            }
        }
        for (String s : segs) {
            out.add(new Column(def.segment(s).orElseThrow().name(), "segment", "%s", r -> {
                String file = r.segmentFile(s);
                if (file == null) {
                    return "";
                }
                return (path || pathOnly) && r.directory() != null ? r.directory().resolve(file).toString() : file;
            }));
        }
        if (allLinks) {
            for (LinkDef l : def.links()) {
                out.add(new Column(l.name(), "link", "%s",
                        r -> r.follow(l.name()).map(RecordFields::spec).orElse("")));
            }
        }
        return out;
    }

    /** What -p and -P print for a record whose unit is not on disk. */
    static String offline(Sums.Info unit) {
        return unit == null ? "(unknown storage unit)" : unit.archived() ? "(offline: archived on tape)"
                : "(offline: gone)";
    }

    /** Tells on stderr how many records are offline and how to stage them, for -p and -P. */
    private static void warnOffline(List<Record> records, Map<Long, Sums.Info> units, String query) {
        long offline = records.stream().filter(r -> r.sunum() >= 0 && r.directory() == null).count();
        if (offline == 0) {
            return;
        }
        long archived = records.stream().filter(r -> r.sunum() >= 0 && r.directory() == null)
                .map(r -> units.get(r.sunum())).filter(u -> u != null && u.archived()).count();
        System.err.println("show-info: " + offline + " of " + records.size() + " records are offline"
                + (archived > 0 ? "; " + archived + " of them archived, stage them with: drms run stage ds='"
                + query + "'" : "") + (archived < offline ? "; " + (offline - archived) + " are gone (never archived)"
                : ""));
    }

    private static Column pseudo(String key, Map<Long, Sums.Info> units) {
        RecordFields.PseudoKey p = RecordFields.PseudoKey.of(key).orElseThrow(() -> new DrmsCommand.UserError(
                "Unknown pseudo-keyword '" + key + "' (known: " + RecordFields.PseudoKey.names() + ")"));
        return new Column(p.column(), p.type(), p.type().equals("string") ? "%s"
                : p.type().equals("int") ? "%d" : "%lld", r -> RecordFields.value(p, r, units.get(r.sunum())));
    }

    private static RecordSet withAllVersions(RecordSet rs) {
        List<org.drmsbatch.drms.query.Filter> filters = new ArrayList<>(rs.filters());
        filters.add(new WhereFilter(new Expr.Binary("=", new Expr.Literal(1L), new Expr.Literal(1L)), true));
        return new RecordSet(rs.series(), filters, rs.segments());
    }

}
