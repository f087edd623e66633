package org.drmsbatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete-series", mixinStandardHelpOptions = true, description = "TODO")
class DeleteSeriesCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Override
    public Integer call() {
        return DrmsCommand.OK;
    }
}
