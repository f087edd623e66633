package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import org.drmsbatch.drms.DrmsException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The table {@code drms_ingested_file}: which inbox files became records. A row is written with its record, in the
 * chunk's transaction; the inbox file is deleted after the commit. {@link #finish} completes what a process that
 * died between the commit and that delete left: the file still there (same name, size and modification time) is
 * deleted, not ingested again; then the rows whose file is gone are removed.
 */
final class IngestLedger {

    private final JdbcTemplate jdbc;

    IngestLedger(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Records, on the chunk's connection, that {@code file} became record {@code recnum} of {@code series}. */
    static void record(Connection c, Path inbox, InboxFile file, String series, long recnum) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO drms_ingested_file"
                + " (inbox, name, size, mtime_ms, series, recnum) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, inbox.toString());
            ps.setString(2, file.name());
            ps.setLong(3, file.size());
            ps.setLong(4, file.mtimeMs());
            ps.setString(5, series);
            ps.setLong(6, recnum);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new DrmsException("cannot record the ingest of " + file.file() + " (is another ingest run taking"
                    + " this inbox?): " + e.getMessage(), e);
        }
    }

    /** Deletes the inbox files already ingested and forgets the rows of files that are gone; returns the deleted. */
    int finish(Path inbox) throws IOException {
        record Row(String name, long size, long mtime) {
        }
        List<Row> rows = jdbc.query("SELECT name, size, mtime_ms FROM drms_ingested_file WHERE inbox = ?",
                (rs, i) -> new Row(rs.getString(1), rs.getLong(2), rs.getLong(3)), inbox.toString());
        int deleted = 0;
        for (Row r : rows) {
            Path f = inbox.resolve(r.name());
            if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.size() == r.size() && a.lastModifiedTime().toMillis() == r.mtime()) {
                    Files.deleteIfExists(f);
                    deleted++;
                }
            }
            jdbc.update("DELETE FROM drms_ingested_file WHERE inbox = ? AND name = ?", inbox.toString(), r.name());
        }
        return deleted;
    }
}
