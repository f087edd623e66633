package org.drmsbatch.cli;

import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete-series", mixinStandardHelpOptions = true,
        description = "Delete a series and its records; its storage units too unless -k.")
class DeleteSeriesCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(index = "0", paramLabel = "SERIES")
    String series;

    @Option(names = "-k", description = "Keep the series' storage units (SUMS files).")
    boolean keep;

    @Override
    public Integer call() {
        drms.bean(Drms.class).deleteSeries(series, keep);
        System.out.println("Deleted series " + series + (keep ? " (storage units kept)" : ""));
        return DrmsCommand.OK;
    }
}
