package org.drmsbatch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.KeywordStatus;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.segments.SegmentFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "set-info", mixinStandardHelpOptions = true,
        description = {"Create records.",
                "set-info ds=SERIES -c KEY=VALUE... SEGMENT=FILE...",
                "or many at once from JSON lines on standard input (-k), one object per record:",
                "  {\"FSN\": 1, \"T_OBS\": \"2010.05.01_00:00:00_TAI\", \"image\": \"/data/img1.fits\"}",
                "A SEGMENT=FILE reads a FITS (.fits) or DRMS bin (.bin, .bin.gz) file into the segment; generic",
                "segments store the file as it is. All records are written in one session: all or none."})
class SetInfoCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(paramLabel = "ARG", description = "ds=SERIES, then KEY=VALUE and SEGMENT=FILE")
    List<String> args = new ArrayList<>();

    @Option(names = "-c", description = "Create one record from the KEY=VALUE arguments.")
    boolean create;

    @Option(names = "-k", description = "Create one record per JSON line read from standard input.")
    boolean fromStdin;

    @Override
    public Integer call() throws IOException {
        NamedArgs a = new NamedArgs(args);
        String ds = a.take("ds");
        if (ds == null) {
            throw new DrmsCommand.UserError("set-info needs ds=<series>");
        }
        if (!create && !fromStdin) {
            throw new DrmsCommand.UserError("set-info needs -c (create one record) or -k (records from stdin)");
        }
        if (!a.words.isEmpty()) {
            throw new DrmsCommand.UserError("Not KEY=VALUE: " + a.words.get(0));
        }
        if (!fromStdin && a.named.isEmpty() && dataWaitingOnStandardInput()) {
            throw new DrmsCommand.UserError("set-info -c creates one record from KEY=VALUE arguments and got none,"
                    + " while data is waiting on standard input; to create records from JSON lines on standard input"
                    + " use -k");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        String[] origin;
        if (fromStdin) {
            rows.addAll(readJsonLines());
            origin = new String[] {"standard input line "};
        } else {
            rows.add(new LinkedHashMap<>(a.named));
            origin = new String[] {"arguments"};
        }
        if (rows.isEmpty()) {
            throw new DrmsCommand.UserError("No records on standard input (expected one JSON object per line)");
        }
        Drms d = drms.bean(Drms.class);
        SeriesDefinition def = d.describeSeries(ds);
        List<Long> recnums = d.inSession(s -> {
            List<Record> records = s.create(def.name(), rows.size());
            for (int i = 0; i < rows.size(); i++) {
                String where = fromStdin ? origin[0] + (i + 1) : origin[0];
                fill(records.get(i), rows.get(i), where);
            }
            s.close(records, DrmsSession.Action.INSERT);
            return records.stream().map(Record::recnum).toList();
        });
        System.out.println("Created " + recnums.size() + " record" + (recnums.size() == 1 ? "" : "s") + " in "
                + def.name() + " (recnum " + recnums.get(0)
                + (recnums.size() > 1 ? "-" + recnums.get(recnums.size() - 1) : "") + ")");
        return DrmsCommand.OK;
    }

    /** Whether standard input already holds bytes (a file redirected or a pipe written to); never blocks. */
    private static boolean dataWaitingOnStandardInput() {
        try {
            return System.in.available() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private List<Map<String, Object>> readJsonLines() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        List<Map<String, Object>> rows = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        int n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (JacksonException e) {
                throw new DrmsCommand.UserError("standard input line " + n + ": not JSON: "
                        + e.getOriginalMessage());
            }
            if (!node.isObject()) {
                throw new DrmsCommand.UserError("standard input line " + n + ": expected a JSON object");
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                JsonNode v = e.getValue();
                if (v.isContainer()) {
                    throw new DrmsCommand.UserError("standard input line " + n + ": the value of '" + e.getKey()
                            + "' is not a number or a string");
                }
                // integers that do not fit a long go on as text, so that the keyword reports them out of range
                row.put(e.getKey(), v.isNull() ? null : v.isIntegralNumber() && v.canConvertToLong() ? (Object) v.asLong()
                        : v.isNumber() && !v.isIntegralNumber() ? (Object) v.asDouble() : v.asString());
            }
            rows.add(row);
        }
        return rows;
    }

    /** Sets keywords and segments of a new record; any bad value fails the whole session. */
    private static void fill(Record r, Map<String, Object> values, String where) {
        SeriesDefinition def = r.series();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String name = e.getKey();
            var seg = def.segment(name);
            if (seg.isPresent() && def.keyword(name).isEmpty()) {
                storeSegment(r, seg.get(), Path.of(String.valueOf(e.getValue())), where);
                continue;
            }
            KeywordStatus st = r.set(name, e.getValue());
            switch (st) {
                case UNKNOWN_KEYWORD -> throw new DrmsCommand.UserError(where + ": series '" + def.name()
                        + "' has no keyword or segment '" + name + "'");
                case BAD_STRING -> throw new DrmsCommand.UserError(where + ": '" + e.getValue()
                        + "' is not a valid " + def.keyword(name).orElseThrow().type() + " for keyword " + name);
                case RANGE -> throw new DrmsCommand.UserError(where + ": " + e.getValue() + " is out of range for "
                        + def.keyword(name).orElseThrow().type() + " keyword " + name);
                default -> {
                }
            }
        }
    }

    private static void storeSegment(Record r, SegmentDef seg, Path file, String where) {
        if (!Files.isRegularFile(file)) {
            throw new DrmsCommand.UserError(where + ": segment " + seg.name() + ": no such file " + file);
        }
        if (seg.protocol() == Protocol.GENERIC) {
            r.storeFile(seg.name(), file);
            return;
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Protocol p = n.endsWith(".bin.gz") ? Protocol.BIN_GZ : n.endsWith(".bin") ? Protocol.BIN
                : n.endsWith(".fits") || n.endsWith(".fit") || n.endsWith(".fts") || n.endsWith(".fits.fz")
                ? Protocol.FITS : null;
        if (p == null) {
            throw new DrmsCommand.UserError(where + ": segment " + seg.name() + ": " + file
                    + " is neither FITS (.fits) nor DRMS bin (.bin, .bin.gz)");
        }
        SegmentDef source = new SegmentDef(seg.name(), seg.segnum(), SegmentDef.Scope.VARDIM, seg.type(), seg.dims(),
                seg.unit(), p, "", 0, 1, seg.description(), null, null);
        SegmentArray data;
        try {
            data = new SegmentFiles().readArray(source.layout(), file, null);
        } catch (IOException e) {
            throw new DrmsCommand.UserError(where + ": segment " + seg.name() + ": cannot read " + file + ": "
                    + e.getMessage());
        }
        var w = r.write(seg.name(), data);
        if (w.outOfRange() > 0) {
            System.err.println("warning: " + where + ": segment " + seg.name() + ": " + w.outOfRange()
                    + " values out of range for " + seg.type() + " were stored as MISSING");
        }
    }
}
