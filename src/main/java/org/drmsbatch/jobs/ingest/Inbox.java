package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An inbox directory as the ingest job and the directory trigger see it. A file is a candidate when it is a regular
 * file directly in the inbox whose name does not start with a dot nor end in {@code .part} (the convention for a
 * file still being written: write {@code x.fits.part} or {@code .x.fits}, then rename) and whose last modification
 * is at least {@code settle} old (a file being written keeps changing). The reader then also requires the FITS file
 * to be complete (its header ended and all the data it announces present) and leaves an incomplete one in place.
 * Symbolic links are refused (moved to {@code rejected/}): a link may lead out of the inbox.
 */
public final class Inbox {

    public static final String REJECTED = "rejected";

    private final Path directory;
    private final Duration settle;

    /** @param directory the inbox, as its real path */
    public Inbox(Path directory, Duration settle) {
        this.directory = directory;
        this.settle = settle;
    }

    public Path directory() {
        return directory;
    }

    public Path rejectedDirectory() {
        return directory.resolve(REJECTED);
    }

    /** Whether a name is one ingest never takes: hidden, {@code .part}, or the rejected directory. */
    public static boolean ignored(String name) {
        return name.startsWith(".") || name.endsWith(".part") || name.equals(REJECTED) || name.endsWith(".reason");
    }

    /** The entries that look like files to take (settled regular files and symbolic links), by name. */
    public List<Path> candidates() throws IOException {
        List<Path> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (ignored(name)) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException gone) {
                    continue;
                }
                if (a.isSymbolicLink()) {
                    out.add(p);
                } else if (a.isRegularFile() && now - a.lastModifiedTime().toMillis() >= settle.toMillis()) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Moves a file (or link) to {@code rejected/}, with {@code <name>.reason} beside it; returns where it went. */
    public Path reject(Path file, String reason) throws IOException {
        Path dir = rejectedDirectory();
        Files.createDirectories(dir);
        String name = file.getFileName().toString();
        Path target = dir.resolve(name);
        for (int i = 1; Files.exists(target, LinkOption.NOFOLLOW_LINKS); i++) {
            target = dir.resolve(name + "." + i);
        }
        Files.writeString(dir.resolve(target.getFileName() + ".reason"), reason + "\n", StandardCharsets.UTF_8);
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}
