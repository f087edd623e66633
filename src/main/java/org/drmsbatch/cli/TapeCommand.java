package org.drmsbatch.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeFile;
import org.drmsbatch.sums.tape.TapeLibrary;
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
    public Integer call() throws SQLException {
        drms.readOnly();
        DrmsProperties properties = drms.bean(DrmsProperties.class);
        if (!properties.tapes()) {
            throw new DrmsCommand.UserError(
                    "There is no tape library: set drms.tape.directory (or DRMS_TAPE_DIRECTORY)");
        }
        TapeArchive archive = drms.bean(TapeArchive.class);
        try (Connection c = drms.bean(DataSource.class).getConnection()) {
            if (what == null) {
                library(properties, archive, c);
            } else if (what.matches("\\d+")) {
                unit(archive, c, Long.parseLong(what));
            } else {
                volume(archive, c, what);
            }
        }
        return DrmsCommand.OK;
    }

    private static void library(DrmsProperties properties, TapeArchive archive, Connection c) throws SQLException {
        DrmsProperties.Tape t = properties.tape();
        List<TapeArchive.Volume> volumes = archive.volumes(c);
        TapeLibrary library = archive.library();
        System.out.println("library\t" + properties.shown(t.directory()));
        System.out.println("drives\t" + library.drives());
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

    private static void volume(TapeArchive archive, Connection c, String label) throws SQLException {
        if (archive.volumes(c).stream().noneMatch(v -> v.tapeid().equals(label))) {
            throw new DrmsCommand.UserError("No volume '" + label + "' in the tape library (drms tape lists them)");
        }
        Map<Integer, Long> contents = archive.contents(c, label);
        System.out.printf("%6s %12s %-32s %16s %14s  %s%n", "FILE", "SUNUM", "SERIES", "POSITION", "BYTES", "MD5");
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT f.filenum, f.ds_index, coalesce(m.owning_series, ''), f.position, f.bytes, f.md5cksum
                FROM sums.sum_file f LEFT JOIN sums.sum_main m ON m.ds_index = f.ds_index
                WHERE f.tapeid = ? ORDER BY f.filenum""")) {
            ps.setString(1, label);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    System.out.printf("%6d %12d %-32s %16d %14d  %s%n", rs.getInt(1), rs.getLong(2), rs.getString(3),
                            rs.getLong(4), rs.getLong(5), rs.getString(6));
                }
            }
        }
        System.out.println(contents.size() + " tape files");
    }

    private static void unit(TapeArchive archive, Connection c, long sunum) throws SQLException {
        List<TapeFile> copies = archive.locations(c, List.of(sunum)).get(sunum);
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
