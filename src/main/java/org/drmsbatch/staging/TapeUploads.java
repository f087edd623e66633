package org.drmsbatch.staging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.StorageUnit;

/**
 * Tape files another site (A) keeps on this server (B) as its tape ({@code PUT /api/tape/v1/upload/{volume}/{name}},
 * A's {@code RemoteTapeLibrary}): each one a record of an archived series ({@code drms.staging.upload-series},
 * default {@value #DEFAULT_SERIES}, created on first use from the bundled JSD with {@code Archive: 1} and the tape
 * group {@code drms.staging.upload-tape-group}), prime keys VOLUME and NAME, keywords FILENUM, MD5 and BYTES, the
 * file itself as the generic segment {@code file} ({@code <name>.tar}). This site's archive job puts the records'
 * units on its tape, its scrub may take them off disk, and the WLCG Tape REST API stages them back, like any unit.
 *
 * <p>{@link #store} spools the body to a file under the spool directory while digesting it, refuses it when its MD5
 * is not the one announced, and commits the record before it returns. A second upload of the same volume and name
 * returns the stored record when the MD5 is the same (A uploading again after its own transaction rolled back), and
 * is a conflict when it differs: a tape file is written once.
 */
public class TapeUploads {

    /** The default series: {@code drms.*} is the catalog's own namespace, which holds no series. */
    public static final String DEFAULT_SERIES = "tape.files";
    public static final String SEGMENT = "file";
    private static final String JSD = "tape.files.jsd";

    /** A volume label as tape libraries have them. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");
    /** A tape file's name on its volume: a file name without a path ({@code D12}, {@code 0003.D12}). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** A name that starts with its file number: {@code 3}, {@code 0003.D12}, {@code 3-D12}. */
    private static final Pattern NUMBERED = Pattern.compile("(\\d{1,9})(?:[._-].*)?");
    private static final Pattern MD5 = Pattern.compile("[0-9a-fA-F]{32}");

    private final Drms drms;
    private final RecordSets recordSets;
    private final String series;
    private final int tapeGroup;
    private final Path spool;

    /**
     * @param series    the series the tape files are records of (created on first use)
     * @param tapeGroup its tape group on this site's tape
     * @param spool     where bodies are spooled while they arrive (made when missing)
     */
    public TapeUploads(Drms drms, RecordSets recordSets, String series, int tapeGroup, Path spool) {
        this.drms = drms;
        this.recordSets = recordSets;
        this.series = series == null || series.isBlank() ? DEFAULT_SERIES : series.trim();
        this.tapeGroup = tapeGroup;
        this.spool = spool;
        try {
            SeriesCatalog.checkSeriesName(this.series);
        } catch (DrmsException e) {
            throw new IllegalArgumentException("drms.staging.upload-series: " + e.getMessage(), e);
        }
        if (tapeGroup < 0) {
            throw new IllegalArgumentException("drms.staging.upload-tape-group must be >= 0");
        }
    }

    public String series() {
        return series;
    }

    /** An upload refused: {@link Reason#INVALID} (the request's fault), {@link Reason#CONFLICT} (stored otherwise). */
    public static class UploadException extends StagingException {

        public enum Reason { INVALID, CONFLICT, NOT_FOUND }

        private final Reason reason;

        public UploadException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /**
     * A stored tape file.
     *
     * @param file    its file on this site's disk: where it is when its unit is online, where it was when not
     * @param online  whether its unit is on disk now
     * @param created whether this upload stored it (false: it was stored already, with the same MD5)
     */
    public record TapeFileRecord(String volume, String name, Integer fileNumber, long sunum, long bytes, String md5,
                                 Path file, boolean online, boolean created) {
    }

    /**
     * Stores a tape file from {@code body}: see the class comment.
     *
     * @param fileNumber its number on the volume; null: taken from a name that starts with it, else none
     * @param md5        the MD5 the body must have (hex); required
     */
    public TapeFileRecord store(String volume, String name, Integer fileNumber, String md5, InputStream body) {
        check(volume, name);
        if (md5 == null || !MD5.matcher(md5).matches()) {
            throw new UploadException(UploadException.Reason.INVALID, "an upload needs the MD5 of its body:"
                    + " a Content-MD5 (base64) or X-Checksum-MD5 (hex) header");
        }
        if (fileNumber == null) {
            Matcher m = NUMBERED.matcher(name);
            fileNumber = m.matches() ? Integer.valueOf(m.group(1)) : null;
        } else if (fileNumber < 0) {
            throw new UploadException(UploadException.Reason.INVALID, "the file number " + fileNumber
                    + " is negative");
        }
        String expected = md5.toLowerCase(Locale.ROOT);
        Path dir = null;
        try {
            dir = Files.createTempDirectory(Files.createDirectories(spool), "upload-");
            Path file = dir.resolve(name + ".tar");
            MessageDigest digest = md5();
            long bytes;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
                bytes = body.transferTo(out);
            }
            String got = HexFormat.of().formatHex(digest.digest());
            if (!got.equals(expected)) {
                throw new UploadException(UploadException.Reason.INVALID, "the body of tape file " + volume + "/"
                        + name + " (" + bytes + " bytes) has MD5 " + got + ", the request said " + expected
                        + ": nothing stored (damaged on the way?)");
            }
            ensureSeries();
            Integer number = fileNumber;
            return drms.inSession(s -> insert(s, volume, name, number, expected, bytes, file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot spool tape file " + volume + "/" + name + " in " + spool + ": "
                    + e.getMessage(), e);
        } finally {
            if (dir != null) {
                Sums.deleteTree(dir);
            }
        }
    }

    private TapeFileRecord insert(DrmsSession s, String volume, String name, Integer fileNumber, String md5,
                                  long bytes, Path file) {
        try (PreparedStatement ps = s.connection().prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            // one upload of a volume's tape file at a time: the second finds the first's record
            ps.setString(1, "tape upload " + series + " " + volume + "/" + name);
            ps.execute();
        } catch (SQLException e) {
            throw new DrmsException("Cannot lock tape file " + volume + "/" + name + ": " + e.getMessage(), e);
        }
        Optional<TapeFileRecord> existing = find(s, volume, name);
        if (existing.isPresent()) {
            TapeFileRecord r = existing.get();
            if (!md5.equals(r.md5())) {
                throw new UploadException(UploadException.Reason.CONFLICT, "tape file " + volume + "/" + name
                        + " is stored already (storage unit " + r.sunum() + ") with MD5 " + r.md5() + ", not " + md5
                        + ": a tape file is written once");
            }
            return r;
        }
        Record r = s.create(series);
        r.set("VOLUME", volume);
        r.set("NAME", name);
        if (fileNumber != null) {
            r.set("FILENUM", fileNumber);
        }
        r.set("MD5", md5);
        r.set("BYTES", bytes);
        Path stored = r.storeFile(SEGMENT, file);
        s.close(r, DrmsSession.Action.INSERT);
        return new TapeFileRecord(volume, name, fileNumber, r.sunum(), bytes, md5, stored, true, true);
    }

    /** The tape file stored as {@code volume}/{@code name}. */
    public Optional<TapeFileRecord> find(String volume, String name) {
        check(volume, name);
        if (!exists()) {
            return Optional.empty();
        }
        return drms.read(s -> find(s, volume, name));
    }

    private Optional<TapeFileRecord> find(DrmsSession s, String volume, String name) {
        List<Record> found = recordSets.open(recordSets.parseWithoutFiles(series + "['" + volume + "']['" + name
                + "']"), 0);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Record r = found.get(found.size() - 1);
        Map<Long, Sums.Info> info = s.storageUnitInfo(List.of(r.sunum()));
        Sums.Info i = info.get(r.sunum());
        boolean online = i != null && i.online();
        Path file = online ? r.segmentPath(SEGMENT) : lastLocation(s, r);
        Object number = r.get("FILENUM");
        Integer fileNumber = number instanceof Number n && n.intValue() != Integer.MIN_VALUE ? n.intValue() : null;
        return Optional.of(new TapeFileRecord(volume, name, fileNumber, r.sunum(), ((Number) r.get("BYTES")).longValue(),
                (String) r.get("MD5"), file, online, false));
    }

    /** Where an offline record's file was: its unit's last directory (SUMS keeps it), slot and file name. */
    private static Path lastLocation(DrmsSession s, Record r) {
        try (PreparedStatement ps = s.connection().prepareStatement(
                "SELECT online_loc FROM sums.sum_main WHERE ds_index = ?")) {
            ps.setLong(1, r.sunum());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new DrmsException("Storage unit " + r.sunum() + " of " + r + " is unknown to SUMS");
                }
                return Path.of(rs.getString(1)).resolve(StorageUnit.slotName(r.slotnum()))
                        .resolve(r.segmentFile(SEGMENT));
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot look up storage unit " + r.sunum() + ": " + e.getMessage(), e);
        }
    }

    private static void check(String volume, String name) {
        if (volume == null || !LABEL.matcher(volume).matches()) {
            throw new UploadException(UploadException.Reason.INVALID, "'" + volume + "' is not a volume label"
                    + " (letters, digits, '-' and '_', at most 32)");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UploadException(UploadException.Reason.INVALID, "'" + name + "' is not a tape file name"
                    + " (letters, digits, '.', '-' and '_', at most 128, not starting with '.', '-' or '_')");
        }
    }

    private boolean exists() {
        return !drms.listSeries("^" + Pattern.quote(series) + "$").isEmpty();
    }

    /** Creates the series from the bundled JSD when it does not exist (as the collect job creates its own). */
    private void ensureSeries() {
        if (exists()) {
            return;
        }
        try {
            drms.createSeries(definition(), false);
        } catch (DrmsException e) {
            if (!exists()) { // else created at the same moment by another upload: fine
                throw e;
            }
        }
    }

    /** The bundled JSD with this series' name and tape group. */
    SeriesDefinition definition() {
        try (InputStream in = TapeUploads.class.getResourceAsStream(JSD)) {
            if (in == null) {
                throw new IllegalStateException("the bundled " + JSD + " is missing");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replaceFirst("(?m)^Seriesname:.*$", Matcher.quoteReplacement("Seriesname:     " + series))
                    .replaceFirst("(?m)^Tapegroup:.*$", "Tapegroup:      " + tapeGroup);
            return new JsdParser().parse(series + ".jsd", text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled " + JSD, e);
        }
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
