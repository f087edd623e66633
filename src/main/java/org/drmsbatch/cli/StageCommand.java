package org.drmsbatch.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobOwnerListener;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.staging.StagingFile;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms stage}: staging requests from the command line, the same requests as the REST API's
 * ({@code /api/staging}) and MWA's. {@code submit} stores one; {@code watch} follows it to its end, turning the
 * staging monitor itself (so it needs no server; beside a running {@code drms serve} the monitor's lock lets one
 * of them turn it at a time); {@code list} and {@code cancel}.
 */
@Command(name = "stage", mixinStandardHelpOptions = true,
        description = {"Staging requests: bring files back from tape and follow them.",
                "Exit codes of watch: 0 every file ready, 2 files not staged (listed with their reasons),"
                        + " 1 an unknown request or a bad argument."},
        subcommands = {StageCommand.Submit.class, StageCommand.Watch.class, StageCommand.ListRequests.class,
                StageCommand.Cancel.class})
public class StageCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    DrmsCommand drms;

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return DrmsCommand.OK;
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = {"Ask for files to be staged: by storage unit (sunum=1,2), record-set query (ds=QUERY) or"
                    + " SUMS path (paths=/SUM0/D12/S00000/a.fits,...); exactly one. Prints the request id.",
                    "The request is staged by the monitor of a running drms serve, or by drms stage watch."})
    static class Submit implements Callable<Integer> {

        @ParentCommand
        StageCommand stage;

        @Parameters(arity = "1..*", paramLabel = "sunum=N,..|ds=QUERY|paths=P,..",
                description = "what to stage: exactly one of sunum, ds, paths")
        List<String> arguments = new ArrayList<>();

        @Option(names = "--watch", description = "then watch it to its end (as drms stage watch)")
        boolean watch;

        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
                description = "with --watch: how often progress is checked, e.g. 500ms (default: ${DEFAULT-VALUE})")
        String interval;

        @Override
        public Integer call() throws Exception {
            Duration every = RunCommand.parseDuration(interval);
            NamedArgs args = new NamedArgs(arguments);
            if (!args.words.isEmpty()) {
                throw new DrmsCommand.UserError("unexpected argument(s) " + String.join(" ", args.words)
                        + " (drms stage submit takes one of sunum=N1,N2 ds=QUERY paths=P1,P2)");
            }
            String sunum = args.take("sunum");
            String ds = args.take("ds");
            String paths = args.take("paths");
            if (!args.named.isEmpty()) {
                throw new DrmsCommand.UserError("unknown argument(s) " + String.join(", ", args.named.keySet())
                        + " (drms stage submit takes one of sunum=N1,N2 ds=QUERY paths=P1,P2)");
            }
            int given = (sunum != null ? 1 : 0) + (ds != null ? 1 : 0) + (paths != null ? 1 : 0);
            if (given != 1) {
                throw new DrmsCommand.UserError("name the files to stage with exactly one of sunum=N1,N2, ds=QUERY"
                        + " or paths=P1,P2" + (given == 0 ? "" : " (" + given + " were given)"));
            }
            List<Long> sunums = sunum == null ? null : sunums(sunum);
            List<String> pathList = paths == null ? null : NamedArgs.list(paths);
            DrmsCommand drms = stage.drms;
            StagingService service = drms.bean(StagingService.class);
            StagingStore.NewRequest request = StagingService.drmsRequest(drms.bean(RecordSets.class), sunums, ds,
                    pathList, null);
            StagingRequest r = service.submit(request);
            System.out.println(r.token());
            System.err.println("staging request " + r.token() + ": " + r.totalFiles() + " files, " + r.readyFiles()
                    + " ready, " + r.errorFiles() + " in error, " + r.waitingFiles() + " waiting"
                    + (watch ? "" : " (drms stage watch " + r.token() + " follows it)"));
            if (r.totalFiles() == 0) {
                System.err.println("drms stage submit: the query selects no record with a storage unit");
            }
            return watch ? StageCommand.watch(drms, r.token(), every, System.out) : DrmsCommand.OK;
        }

        private static List<Long> sunums(String text) {
            List<Long> out = new ArrayList<>();
            for (String s : NamedArgs.list(text)) {
                if (!s.matches("\\d{1,18}")) {
                    throw new DrmsCommand.UserError("sunum: '" + s + "' is not a storage unit number (a whole"
                            + " number >= 0)");
                }
                out.add(Long.parseLong(s));
            }
            if (out.isEmpty()) {
                throw new DrmsCommand.UserError("sunum: names no storage unit");
            }
            return out;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Follow a staging request until it ends, printing its progress as files come online;"
                    + " turns the staging monitor while it watches (no server needed).",
                    "Exit 0 every file ready, 2 files not staged (listed with their reasons), 1 an unknown id."})
    static class Watch implements Callable<Integer> {

        @ParentCommand
        StageCommand stage;

        @Parameters(index = "0", paramLabel = "ID", description = "the request id (drms stage list shows them)")
        String id;

        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
                description = "how often progress is checked, e.g. 500ms (default: ${DEFAULT-VALUE})")
        String interval;

        @Override
        public Integer call() throws Exception {
            return StageCommand.watch(stage.drms, id, RunCommand.parseDuration(interval), System.out);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List staging requests, newest first: those still being worked on, or with --all every"
                    + " one kept.")
    static class ListRequests implements Callable<Integer> {

        @ParentCommand
        StageCommand stage;

        @Option(names = "--all", description = "also the requests that have ended (notified, expired, cancelled)")
        boolean all;

        @Option(names = {"-n", "--limit"}, defaultValue = "100", description = "at most this many (default:"
                + " ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 10_000) {
                throw new DrmsCommand.UserError("--limit must be 1 to 10000, not " + limit);
            }
            stage.drms.readOnly();
            StagingService service = stage.drms.bean(StagingService.class);
            List<StagingRequest> requests = service.store().requests(null, !all, limit);
            System.out.printf("%-36s  %-5s %-10s %7s %7s %7s %7s %4s  %-19s  %-19s%n", "ID", "KIND", "STATE", "TOTAL",
                    "READY", "ERROR", "WAITING", "%", "CREATED", "EXPIRES");
            for (StagingRequest r : requests) {
                System.out.printf("%-36s  %-5s %-10s %7d %7d %7d %7d %4d  %-19s  %-19s%n", r.token(), r.kind(),
                        r.state(), r.totalFiles(), r.readyFiles(), r.errorFiles(), r.waitingFiles(), r.percentDone(),
                        TIME.format(r.created()), TIME.format(r.expires()));
            }
            return DrmsCommand.OK;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a staging request: its waiting files are no longer staged for it (a unit another"
                    + " request wants still is) and its pins on the data go.")
    static class Cancel implements Callable<Integer> {

        @ParentCommand
        StageCommand stage;

        @Parameters(index = "0", paramLabel = "ID", description = "the request id")
        String id;

        @Override
        public Integer call() {
            StagingService service = stage.drms.bean(StagingService.class);
            int waiting = service.existing(id).waitingFiles();
            StagingRequest r = service.cancel(id);
            System.out.println("staging request " + r.token() + " cancelled: " + waiting + " waiting files"
                    + " cancelled, " + r.readyFiles() + " ready, " + r.errorFiles() + " in error (" + r.state() + ")");
            return DrmsCommand.OK;
        }
    }

    /**
     * Follows a request until it has ended, printing a line whenever its counts change, and turns the monitor:
     * at once, then every {@code drms.staging.check-interval}, and as soon as no file waits (so that the request
     * completes without waiting a whole interval). A stage batch this process started and that still runs (reading
     * units other requests may wait for) is waited for before the command ends, rather than stopped half-way.
     */
    static int watch(DrmsCommand drms, String id, Duration every, PrintStream out) throws InterruptedException {
        StagingService service = drms.bean(StagingService.class);
        StagingRequest r = service.existing(id);
        long check = service.settings().checkInterval().toNanos();
        long pause = Math.max(10, every.toMillis());
        long nextTurn = System.nanoTime();
        String shown = null;
        while (true) {
            long now = System.nanoTime();
            if (!r.ended() && (now - nextTurn >= 0 || r.done())) {
                service.tick();
                nextTurn = now + check;
                r = service.existing(id);
            }
            String line = progress(r);
            if (!line.equals(shown)) {
                out.println(line + ", elapsed " + elapsed(Duration.between(r.created(), Instant.now())));
                shown = line;
            }
            if (r.ended()) {
                break;
            }
            Thread.sleep(pause);
            r = service.existing(id);
        }
        out.println("staging request " + r.token() + " " + r.state()
                + (r.comment() == null ? "" : ": " + r.comment()));
        awaitLocalBatches(drms, pause);
        boolean allReady = r.readyFiles() == r.totalFiles() && !r.state().equals("cancelled")
                && !r.state().equals("expired");
        if (allReady) {
            return DrmsCommand.OK;
        }
        List<StagingFile> notStaged = service.store().files(r.id()).stream()
                .filter(f -> !f.state().equals("ready")).toList();
        System.err.println("drms stage watch: " + notStaged.size() + " of " + r.totalFiles()
                + " files were not staged:");
        for (StagingFile f : notStaged) {
            String why = switch (f.state()) {
                case "error" -> f.reason();
                case "cancelled" -> "cancelled";
                default -> "still waiting when the request " + (r.state().equals("expired") ? "expired"
                        : "was " + r.state());
            };
            System.err.println("  " + f.path() + ": " + why);
        }
        return DrmsCommand.INTERNAL_ERROR;
    }

    /** The progress of a request: ready, in error and waiting files of the total, and the share done. */
    static String progress(StagingRequest r) {
        return "ready " + r.readyFiles() + "/" + r.totalFiles() + ", error " + r.errorFiles() + ", waiting "
                + r.waitingFiles() + (r.cancelledFiles() == 0 ? "" : ", cancelled " + r.cancelledFiles()) + " ("
                + r.percentDone() + "%)" + (r.ended() ? ", " + r.state() : "");
    }

    static String elapsed(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 60_000) {
            return String.format("%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        return String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60);
    }

    /** Waits for the stage batches that run in this process (reading units other requests still wait for). */
    private static void awaitLocalBatches(DrmsCommand drms, long pause) throws InterruptedException {
        JobControl control = drms.bean(JobControl.class);
        JobOwnerListener owners = drms.bean(JobOwnerListener.class);
        List<Long> here = control.recent("stage", 50).stream()
                .filter(run -> !run.ended() && run.parameters().containsKey("staging")
                        && owners.runsHere(run.executionId()))
                .map(JobRun::executionId).toList();
        for (long execution : here) {
            System.err.println("drms stage watch: waiting for the stage batch this process started (execution "
                    + execution + ") to end");
            while (!control.view(execution).ended()) {
                Thread.sleep(pause);
            }
        }
    }
}
