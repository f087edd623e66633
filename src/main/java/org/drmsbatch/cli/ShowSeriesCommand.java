package org.drmsbatch.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.SeriesDefinition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "show-series", mixinStandardHelpOptions = true,
        description = "List series whose names match a regular expression.")
class ShowSeriesCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(index = "0", arity = "0..1", paramLabel = "REGEX")
    String regex;

    @Option(names = "-p", description = "Also print prime keys and description.")
    boolean primeKeys;

    @Option(names = "-z", description = "Print JSON.")
    boolean json;

    @Option(names = "-q", description = "No header line.")
    boolean quiet;

    @Override
    public Integer call() {
        drms.readOnly();
        List<SeriesDefinition> list = drms.bean(Drms.class).listSeries(regex);
        if (json) {
            List<Map<String, Object>> out = list.stream().map(d -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", d.name());
                m.put("primekeys", d.primeKeys());
                m.put("note", d.description());
                return m;
            }).toList();
            System.out.println(JsonMapper.builder().build().writeValueAsString(Map.of("names", out,
                    "n", list.size(), "status", 0)));
            return DrmsCommand.OK;
        }
        if (!quiet) {
            System.out.println("  Names");
        }
        for (SeriesDefinition d : list) {
            System.out.println(primeKeys
                    ? "  " + d.name() + "\t" + String.join(", ", d.primeKeys()) + "\t"
                      + (d.description() == null ? "" : d.description())
                    : "  " + d.name());
        }
        return DrmsCommand.OK;
    }
}
