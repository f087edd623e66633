package org.drmsbatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "create-series", mixinStandardHelpOptions = true,
        description = "Create a series from a JSD file: its table, indexes and master rows.")
class CreateSeriesCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(index = "0", paramLabel = "FILE.jsd", description = "The series definition.")
    Path file;

    @Option(names = "-f", description = "Replace the series if it exists (its records and storage units are deleted).")
    boolean replace;

    @Option(names = "--name", paramLabel = "SERIES", description = "Create the series under another name.")
    String name;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw new DrmsCommand.UserError("No such JSD file: " + file);
        }
        JsdParser.Result parsed = new JsdParser().read(file);
        parsed.warnings().forEach(w -> System.err.println("warning: " + w));
        SeriesDefinition def = name != null ? parsed.definition().withName(name) : parsed.definition();
        drms.bean(Drms.class).createSeries(def, replace);
        System.out.println("Created series " + def.name());
        return DrmsCommand.OK;
    }
}
