package org.drmsbatch.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.drmsbatch.DrmsApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code drms} command. Subcommands follow the DRMS tools. Exit codes: 0 success, 1 a user's error (the
 * message says what and where), 2 an internal error.
 */
@Command(name = "drms", mixinStandardHelpOptions = true, version = "drms-batch 0.1",
        description = "Data-record management (DRMS/SUMS) and pipelines.",
        subcommands = {CreateSeriesCommand.class, DescribeSeriesCommand.class, DeleteSeriesCommand.class,
                ShowSeriesCommand.class, SetInfoCommand.class, ShowInfoCommand.class, DemoCommand.class,
                RunCommand.class, JobsCommand.class, ServeCommand.class, WorkerCommand.class, HashPasswordCommand.class,
                TapeCommand.class, StageCommand.class, SchedulesCommand.class, StatusCommand.class,
                CommandLine.HelpCommand.class})
public class DrmsCommand implements Callable<Integer> {

    public static final int OK = 0;
    public static final int USER_ERROR = 1;
    public static final int INTERNAL_ERROR = 2;

    @Option(names = "--home", paramLabel = "DIR",
            description = "drms home directory (database, storage). Default: $DRMS_HOME or ~/.drms")
    Path home;

    @Option(names = "--set", paramLabel = "PROPERTY=VALUE",
            description = "Set a configuration property, e.g. --set spring.datasource.url=jdbc:postgresql://...")
    List<String> properties = new ArrayList<>();

    private ConfigurableApplicationContext context;

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return OK;
    }

    private boolean readOnly;
    private boolean web;
    private boolean worker;
    private Integer port;
    private String address;

    /**
     * Makes the context a web server (on {@code address} and {@code port} when given, else server.address and
     * server.port). Call before the first bean.
     */
    void serve(String address, Integer port) {
        this.web = true;
        this.address = address;
        this.port = port;
    }

    /** Makes the process a cluster worker ({@code drms.cluster.worker=true}). Call before the first bean. */
    void worker() {
        this.worker = true;
    }

    /** Marks the command as one that only reads: it skips the start-up sweep. Call before the first bean. */
    void readOnly() {
        readOnly = true;
    }

    /** The application context, started on first use (so that --help never starts a database). */
    ConfigurableApplicationContext context() {
        if (context == null) {
            List<String> args = new ArrayList<>();
            if (readOnly) {
                args.add("--drms.sweep-on-start=false");
            }
            if (home != null) {
                args.add("--drms.home=" + home.toAbsolutePath());
            }
            if (worker) {
                args.add("--drms.cluster.worker=true");
            }
            if (web) {
                args.add("--spring.main.web-application-type=servlet");
                if (port != null) {
                    args.add("--server.port=" + port);
                }
                if (address != null) {
                    args.add("--server.address=" + address);
                }
            }
            for (String p : properties) {
                args.add("--" + p);
            }
            context = new SpringApplicationBuilder(DrmsApplication.class)
                    .web(web ? WebApplicationType.SERVLET : WebApplicationType.NONE)
                    .logStartupInfo(false)
                    .run(args.toArray(String[]::new));
        }
        return context;
    }

    <T> T bean(Class<T> type) {
        return context().getBean(type);
    }

    void close() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    /** The jar's main class: the {@code drms} command. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code. */
    public static int execute(String[] args) {
        DrmsCommand root = new DrmsCommand();
        CommandLine cl = new CommandLine(root);
        cl.setExpandAtFiles(false); // @file is the query language's, not picocli's argument file
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("drms: " + ex.getMessage());
            ex.getCommandLine().usage(err);
            return USER_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable cause = rootUserError(ex);
            if (cause != null) {
                err.println(commandLine.getCommandSpec().qualifiedName() + ": " + cause.getMessage());
                return USER_ERROR;
            }
            err.println(commandLine.getCommandSpec().qualifiedName() + ": internal error: " + ex);
            ex.printStackTrace(err);
            return INTERNAL_ERROR;
        });
        try {
            return cl.execute(args);
        } finally {
            root.close();
        }
    }

    /**
     * The user error in a cause chain, or null for an internal error. User errors are what the user can fix:
     * a bad argument, a bad JSD file or time, a catalog error such as an unknown series. A catalog error caused
     * by the database or the file system (a lost connection, a full disk) is internal.
     */
    static Throwable rootUserError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UserError || c instanceof org.drmsbatch.schedules.JobRequestException
                    || c instanceof org.drmsbatch.drms.JsdException
                    || c instanceof org.drmsbatch.drms.time.TimeFormatException
                    || c instanceof org.drmsbatch.buffer.BufferInUseException
                    || c instanceof org.drmsbatch.staging.StagingException) {
                return c;
            }
            if (c instanceof org.drmsbatch.drms.DrmsException) {
                return causedBySystem(c) ? null : c;
            }
        }
        return null;
    }

    private static boolean causedBySystem(Throwable t) {
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            if (c instanceof java.sql.SQLException sql && "57014".equals(sql.getSQLState())) {
                return false; // the query's statement timeout: the user can narrow the query (drms.query.timeout)
            }
            if (c instanceof java.sql.SQLException || c instanceof java.io.IOException
                    || c instanceof java.io.UncheckedIOException) {
                return true;
            }
        }
        return false;
    }

    /** An error in what the user typed (a bad argument), reported with exit code 1. */
    public static class UserError extends RuntimeException {
        public UserError(String message) {
            super(message);
        }
    }
}
