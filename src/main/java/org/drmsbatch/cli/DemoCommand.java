package org.drmsbatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "TODO")
class DemoCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Override
    public Integer call() {
        return DrmsCommand.OK;
    }
}
