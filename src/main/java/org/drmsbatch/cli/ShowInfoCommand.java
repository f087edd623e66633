package org.drmsbatch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdPrinter;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "show-info", mixinStandardHelpOptions = true,
        description = {"Show records of a series as a tab-separated table (as JSOC's show_info).",
                "Arguments: ds=SERIES (or the series as first word), n=N (+N first N, -N last N records),",
                "key=K1,K2 (keywords; *recnum* *sunum* *slot* pseudo-keys), seg=S1,S2 (segment files)."})
class ShowInfoCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(paramLabel = "ARG", description = "ds=SERIES n=N key=LIST seg=LIST")
    List<String> args = new ArrayList<>();

    @Option(names = "-c", description = "Print the number of records and exit.")
    boolean count;
    @Option(names = "-q", description = "No header row.")
    boolean quiet;
    @Option(names = "-r", description = "Print the record number first.")
    boolean recnum;
    @Option(names = "-S", description = "Print the SUNUM.")
    boolean sunum;
    @Option(names = "-p", description = {"Print the record's storage directory; segment files as full paths.",
            "Touches the storage units' retention as DRMS does."})
    boolean path;
    @Option(names = "-P", description = "As -p (the path only if online).")
    boolean pathOnline;
    @Option(names = "-a", description = "All keywords.")
    boolean allKeys;
    @Option(names = "-A", description = "All segments.")
    boolean allSegs;
    @Option(names = "-k", description = "One KEY=value per line, records separated by '# <spec>' lines.")
    boolean keyValue;
    @Option(names = "-j", description = "Print the series definition as JSD and exit.")
    boolean jsd;
    @Option(names = "-l", description = "List keywords, segments and links with descriptions and exit.")
    boolean list;
    @Option(names = "-s", description = "Series statistics (records, first and last record) and exit.")
    boolean stats;

    @Override
    public Integer call() {
        NamedArgs a = new NamedArgs(args);
        String ds = a.get("ds");
        if (ds == null && !a.words.isEmpty()) {
            ds = a.words.get(0);
        }
        if (ds == null || ds.isBlank()) {
            throw new DrmsCommand.UserError("show-info needs ds=<series>");
        }
        if (ds.contains("[") || ds.contains("{")) {
            throw new DrmsCommand.UserError("Record-set filters ('" + ds + "') are not supported yet: give a series"
                    + " name and n=");
        }
        String series = ds.trim();
        drms.readOnly();
        Drms d = drms.bean(Drms.class);
        SeriesDefinition def = d.describeSeries(series);
        if (jsd) {
            System.out.print(new JsdPrinter().print(def));
            return DrmsCommand.OK;
        }
        if (list) {
            System.out.println(DescribeSeriesCommand.describe(def, d.read(s -> s.count(def.name()))));
            return DrmsCommand.OK;
        }
        if (count) {
            long total = d.read(s -> s.count(def.name()));
            System.out.println(total);
            return DrmsCommand.OK;
        }
        if (stats) {
            long n = d.read(s -> s.count(def.name()));
            List<Record> first = d.read(s -> s.open(def.name(), 1));
            List<Record> last = d.read(s -> s.open(def.name(), -1));
            System.out.println("series\t" + def.name());
            System.out.println("records\t" + n);
            System.out.println("first\t" + (first.isEmpty() ? "" : spec(first.get(0))));
            System.out.println("last\t" + (last.isEmpty() ? "" : spec(last.get(0))));
            return DrmsCommand.OK;
        }
        String nText = a.get("n");
        if (nText == null) {
            throw new DrmsCommand.UserError("A query without a filter needs n= (e.g. n=10 for the first ten, n=-10"
                    + " for the last ten records)");
        }
        int n;
        try {
            n = Integer.parseInt(nText.trim());
        } catch (NumberFormatException e) {
            throw new DrmsCommand.UserError("n= must be an integer, not '" + nText + "'");
        }
        List<String> keys = new ArrayList<>(NamedArgs.list(a.get("key")));
        List<String> segs = new ArrayList<>(NamedArgs.list(a.get("seg")));
        if (allKeys || (keys.isEmpty() && segs.isEmpty() && !allSegs)) {
            for (KeywordDef k : def.explicitKeywords()) {
                if (!keys.contains(k.name())) {
                    keys.add(k.name());
                }
            }
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
        boolean paths = path || pathOnline;
        List<Record> records = paths
                ? d.inSession(s -> { // handing out paths touches the units' retention, as DRMS does
                    List<Record> rs = s.open(def.name(), n);
                    s.touch(rs);
                    return rs;
                })
                : d.read(s -> s.open(def.name(), n));
        if (keyValue) {
            for (Record r : records) {
                System.out.println("# " + spec(r));
                if (recnum) {
                    System.out.println("*recnum*=" + r.recnum());
                }
                for (String k : keys) {
                    System.out.println(k + "=" + value(r, k));
                }
                for (String s : segs) {
                    System.out.println(s + "=" + segment(r, s, paths));
                }
                if (paths) {
                    System.out.println("SUDIR=" + (r.directory() == null ? "" : r.directory()));
                }
            }
            return DrmsCommand.OK;
        }
        List<String> header = new ArrayList<>();
        if (recnum) {
            header.add("recnum");
        }
        if (sunum) {
            header.add("sunum");
        }
        header.addAll(keys);
        header.addAll(segs);
        if (paths) {
            header.add("SUDIR");
        }
        if (!quiet) {
            System.out.println(String.join("\t", header));
        }
        for (Record r : records) {
            List<String> row = new ArrayList<>();
            if (recnum) {
                row.add(Long.toString(r.recnum()));
            }
            if (sunum) {
                row.add(Long.toString(r.sunum()));
            }
            for (String k : keys) {
                row.add(value(r, k));
            }
            for (String s : segs) {
                row.add(segment(r, s, paths));
            }
            if (paths) {
                row.add(r.directory() == null ? "" : r.directory().toString());
            }
            System.out.println(String.join("\t", row));
        }
        return DrmsCommand.OK;
    }

    private static String value(Record r, String key) {
        return switch (key.toLowerCase()) {
            case "*recnum*" -> Long.toString(r.recnum());
            case "*sunum*" -> Long.toString(r.sunum());
            case "*slot*" -> Integer.toString(r.slotnum());
            default -> r.format(key);
        };
    }

    private static String segment(Record r, String seg, boolean fullPath) {
        SegmentDef s = r.series().segment(seg).orElseThrow();
        String file = r.segmentFile(s.name());
        if (file == null) {
            return "";
        }
        if (fullPath && r.directory() != null) {
            Path p = r.directory().resolve(file);
            return p.toString();
        }
        return file;
    }

    /** A record's spec: {@code series[pk1][pk2]} with the printed prime-key values. */
    static String spec(Record r) {
        StringBuilder sb = new StringBuilder(r.seriesName());
        for (String pk : r.series().primeKeys()) {
            sb.append('[').append(r.format(pk)).append(']');
        }
        return sb.toString();
    }
}
