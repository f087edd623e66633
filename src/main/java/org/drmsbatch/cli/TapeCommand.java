package org.drmsbatch.cli;

import java.util.List;
import java.util.concurrent.Callable;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms tape}: the tape library — its drives and slots, each volume (tape group, tape files, bytes used and
 * free, open/full/damaged), what is on a volume ({@code drms tape V00001L9}) and where a storage unit's copies are
 * ({@code drms tape 1234}).
 */
@Command(name = "tape", mixinStandardHelpOptions = true,
        description = {"Show the tape library: drives, slots, volumes with their use and free space.",
                "With a volume label: its tape files (storage units). With a sunum: where that unit's copies are."})
public class TapeCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(index = "0", arity = "0..1", paramLabel = "VOLUME|SUNUM",
            description = "a volume label (its tape files) or a storage unit number (its copies on tape)")
    String what;

    @Override
    public Integer call() {
        drms.readOnly();
        DrmsProperties properties = drms.bean(DrmsProperties.class);
        if (!properties.tapes()) {
            throw new DrmsCommand.UserError(
                    "There is no tape library: set drms.tape.directory (DRMS_TAPE_DIRECTORY) or drms.tape.remote.url"
                            + " (DRMS_TAPE_REMOTE_URL)");
        }
        TapeArchive archive = drms.bean(TapeArchive.class);
        if (what == null) {
            library(properties, archive, archive.report(List.of(), List.of()));
        } else if (what.matches("\\d+")) {
            long sunum = Long.parseLong(what);
            unit(sunum, archive.report(List.of(), List.of(sunum)));
        } else {
            volume(what, archive.report(List.of(what), List.of()));
        }
        return DrmsCommand.OK;
    }

    private static void library(DrmsProperties properties, TapeArchive archive, TapeArchive.Report report) {
        DrmsProperties.Tape t = properties.tape();
        List<TapeArchive.Volume> volumes = report.volumes();
        System.out.println("library\t" + properties.shown(t.directory()));
        System.out.println("drives\t" + archive.library().drives());
        System.out.println("slots\t" + volumes.size() + " of " + t.slots() + " used");
        System.out.println("volume capacity\t" + t.volumeCapacity().toBytes() + " bytes");
        long free = (long) (t.slots() - volumes.size()) * t.volumeCapacity().toBytes();
        for (TapeArchive.Volume v : volumes) {
            if (!v.closed() && v.damaged() == null) {
                free += Math.max(0, v.capacity() - v.end());
            }
        }
        System.out.println("free\t" + free + " bytes (open volumes and blank slots)");
        System.out.println();
        System.out.printf("%-10s %6s %-8s %8s %16s %16s  %s%n", "VOLUME", "GROUP", "STATE", "FILES", "USED", "FREE",
                "DAMAGE");
        for (TapeArchive.Volume v : volumes) {
            String state = v.damaged() != null ? "damaged" : v.closed() ? "full" : "open";
            System.out.printf("%-10s %6d %-8s %8d %16d %16d  %s%n", v.tapeid(), v.group(), state, v.files(), v.end(),
                    v.closed() ? 0 : Math.max(0, v.capacity() - v.end()), v.damaged() == null ? "" : v.damaged());
        }
    }

    private static void volume(String label, TapeArchive.Report report) {
        if (report.volumes().stream().noneMatch(v -> v.tapeid().equals(label))) {
            throw new DrmsCommand.UserError("No volume '" + label + "' in the tape library (drms tape lists them)");
        }
        List<TapeArchive.Listed> files = report.listings().get(label);
        System.out.printf("%6s %12s %-32s %16s %14s  %s%n", "FILE", "SUNUM", "SERIES", "POSITION", "BYTES", "MD5");
        for (TapeArchive.Listed l : files) {
            TapeFile f = l.file();
            System.out.printf("%6d %12d %-32s %16d %14d  %s%n", f.fileNumber(), l.sunum(), l.series(), f.position(),
                    f.bytes(), f.md5());
        }
        System.out.println(files.size() + " tape files");
    }

    private static void unit(long sunum, TapeArchive.Report report) {
        List<TapeFile> copies = report.locations().get(sunum);
        if (copies == null) {
            throw new DrmsCommand.UserError("Storage unit " + sunum + " has no copy on tape");
        }
        System.out.printf("%5s %-10s %6s %16s %14s  %s%n", "COPY", "VOLUME", "FILE", "POSITION", "BYTES", "MD5");
        int n = 1;
        for (TapeFile f : copies) {
            System.out.printf("%5d %-10s %6d %16d %14d  %s%n", n++, f.volume(), f.fileNumber(), f.position(),
                    f.bytes(), f.md5());
        }
    }
}
