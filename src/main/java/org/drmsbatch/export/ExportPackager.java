package org.drmsbatch.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.drmsbatch.segments.AtomicFile;

/**
 * Finishes an export directory once all files are written (specs/drms.md §5.3):
 * <ol>
 * <li>reads the manifests of all partitions ({@link ExportManifest#readAll}: in the record-set order) and fails
 *     when two of their files have the same name;</li>
 * <li>removes what no committed chunk of any partition listed: temporary {@code .part-} files and files of a chunk
 *     that did not commit and was not written again;</li>
 * <li>for url-tar, writes {@code <requestId>.tar} (Commons Compress; under a temporary name, renamed when
 *     complete) holding the files and the two index files, then removes the loose files;</li>
 * <li>writes {@code index.txt}, then {@code index.json} (each atomically): index.json is the last file, so its
 *     presence means the export is complete; then drops the manifests.</li>
 * </ol>
 * Each part can be done again: run again after a kill, it finds the tar already complete (it only ever has its
 * name when complete), and with index.json present it has nothing left to do but drop the manifests.
 */
public final class ExportPackager {

    /** Files of the directory that are not exported files. */
    public static final String REQUEST_MARKER = ".export-request";

    private static final DateTimeFormatter EXPTIME = DateTimeFormatter.ofPattern("yyyy.MM.dd_HH:mm:ss'_UTC'");

    private final Path directory;
    private final String requestId;
    private final String method;
    private final String protocol;
    private final boolean tar;
    private final boolean fits;

    public ExportPackager(Path directory, String requestId, String method, String protocol, boolean tar,
                          boolean fits) {
        this.directory = directory;
        this.requestId = requestId;
        this.method = method;
        this.protocol = protocol;
        this.tar = tar;
        this.fits = fits;
    }

    public Path tarFile() {
        return directory.resolve(requestId + ".tar");
    }

    /**
     * Packages the directory; returns the index written, or null when a previous run got that far (index.json,
     * written last, is there). Two files of the manifests with the same name (written by two partitions: each
     * partition checks its own names as it writes) fail it with an {@link ExportException} naming both records,
     * before anything is removed or written.
     */
    public ExportIndex finish() throws IOException {
        Path json = directory.resolve(ExportIndex.JSON);
        if (Files.exists(json)) {
            ExportManifest.deleteAll(directory); // a run killed after index.json, before the manifests were gone
            return null; // done by a previous run
        }
        List<ExportManifest.Entry> entries = ExportManifest.readAll(directory);
        checkNames(entries);
        removeStrays(entries);
        String dir = ExportRoot.downloadPath(requestId);
        ExportIndex index = new ExportIndex(requestId, method, protocol,
                ZonedDateTime.now(ZoneOffset.UTC).format(EXPTIME), dir,
                fits ? "**IN FITS FILES**" : "", tar ? dir + "/" + tarFile().getFileName() : "", entries);
        if (tar) {
            if (!Files.exists(tarFile())) {
                AtomicFile.writeDurably(tarFile(), temp -> writeTar(temp, entries, index));
            }
            for (ExportManifest.Entry e : entries) {
                Files.deleteIfExists(directory.resolve(e.filename()));
            }
        }
        AtomicFile.writeDurably(directory.resolve(ExportIndex.TXT),
                temp -> Files.writeString(temp, index.txt(), StandardCharsets.UTF_8));
        AtomicFile.writeDurably(json, temp -> Files.writeString(temp, index.json(), StandardCharsets.UTF_8));
        ExportManifest.deleteAll(directory);
        return index;
    }

    /** The same name given to two files (by two partitions) fails the export, naming both records. */
    static void checkNames(List<ExportManifest.Entry> entries) {
        Map<String, String> names = new HashMap<>();
        for (ExportManifest.Entry e : entries) {
            String other = names.putIfAbsent(e.filename(), e.record());
            if (other != null) {
                throw new ExportException("the file-name template (ffmt) gives the same name '" + e.filename()
                        + "' to " + other + " and " + e.record()
                        + "; add a field that tells them apart, e.g. {recnum} or {segment}");
            }
        }
    }

    private void removeStrays(List<ExportManifest.Entry> entries) throws IOException {
        Set<String> keep = new HashSet<>();
        entries.forEach(e -> keep.add(e.filename()));
        keep.add(REQUEST_MARKER);
        keep.add(ExportIndex.TXT);
        keep.add(ExportIndex.JSON);
        keep.add(tarFile().getFileName().toString());
        try (Stream<Path> files = Files.list(directory)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (!keep.contains(name) && !ExportManifest.isManifest(name) && Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    private void writeTar(Path temp, List<ExportManifest.Entry> entries, ExportIndex index) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 20);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (ExportManifest.Entry e : entries) {
                Path f = directory.resolve(e.filename());
                TarArchiveEntry te = new TarArchiveEntry(f, e.filename());
                tar.putArchiveEntry(te);
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
            addText(tar, ExportIndex.TXT, index.txt());
            addText(tar, ExportIndex.JSON, index.json());
            tar.finish();
        }
    }

    private static void addText(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry te = new TarArchiveEntry(name);
        te.setSize(b.length);
        te.setModTime(System.currentTimeMillis());
        tar.putArchiveEntry(te);
        tar.write(b);
        tar.closeArchiveEntry();
    }
}
