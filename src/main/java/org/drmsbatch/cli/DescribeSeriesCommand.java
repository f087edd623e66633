package org.drmsbatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "describe-series", mixinStandardHelpOptions = true, description = "TODO")
class DescribeSeriesCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Override
    public Integer call() {
        return DrmsCommand.OK;
    }
}
