package org.drmsbatch.sums.tape;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A tape file's bytes: a storage unit's directory as a run of tar entries {@code <name>/...} (Commons Compress,
 * POSIX extended headers for long names and big files, no end-of-archive blocks), and the way back: restored into a
 * directory, length and MD5 checked. What {@link TarTapeLibrary} writes on its volumes and {@link RemoteTapeLibrary}
 * uploads, so that both write the same bytes for a unit (their MD5s compare) and read them back alike.
 */
final class TarFormat {

    static final int BLOCK = 512;

    private TarFormat() {
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The bytes {@link #write} writes for {@code directory} as tape file {@code name}: a 512-byte header per entry,
     * each file's bytes rounded up to 512, and a POSIX extended header (a header and its records, rounded up) for a
     * name of 100 bytes or more or a file of 8 GiB or more. Exact, so that a volume's room is decided right.
     */
    static long bytes(String name, Path directory) {
        try {
            long total = 0;
            for (Path p : walk(directory)) {
                boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                String entryName = entryName(name, directory, p) + (dir ? "/" : "");
                long size = dir ? 0 : Files.size(p);
                long pax = 0;
                if (entryName.getBytes(StandardCharsets.UTF_8).length >= TarConstants.NAMELEN) {
                    pax += paxRecord("path", entryName);
                }
                if (size > TarConstants.MAXSIZE) {
                    pax += paxRecord("size", Long.toString(size));
                }
                if (pax > 0) {
                    total += BLOCK + blocks(pax);
                }
                total += BLOCK + blocks(size);
            }
            return total;
        } catch (IOException e) {
            throw new TapeException("Cannot read " + directory + " to archive it: " + e, e);
        }
    }

    /** What {@link #write} wrote: its length and MD5 (hex). */
    record Written(long bytes, String md5) {
    }

    /**
     * Writes the files under {@code directory} to {@code out} as tar entries {@code name/...}, sorted, the directory
     * itself first; flushes, never closes {@code out} and writes no end-of-archive blocks. A path under
     * {@code directory} that is neither a regular file nor a directory (a link, a device) is a {@link TapeException}.
     */
    static Written write(OutputStream out, String name, Path directory) throws IOException {
        MessageDigest md5 = md5();
        Counting counting = new Counting(out, md5);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(counting, BLOCK);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (Path p : walk(directory)) {
            String entryName = entryName(name, directory, p);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                tar.putArchiveEntry(entry(p, entryName + "/", 0));
                tar.closeArchiveEntry();
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                tar.putArchiveEntry(entry(p, entryName, Files.size(p)));
                Files.copy(p, tar);
                tar.closeArchiveEntry();
            } else {
                throw new TapeException("Cannot archive " + p + ": not a regular file or directory");
            }
        }
        tar.flush();
        return new Written(counting.count, HexFormat.of().formatHex(md5.digest()));
    }

    /** What {@link #restore} read: the bytes, their MD5, and what went wrong on the way (null: nothing). */
    record Restored(long bytes, String md5, Exception problem) {

        /**
         * Fails unless what was read is the tape file {@code file} was written as: its length, its MD5, and entries
         * that could all be restored. A damaged tape file is first of all a checksum mismatch.
         */
        void check(TapeFile file, String where) {
            String why = problem == null ? "" : " (" + problem.getMessage() + ")";
            if (bytes != file.bytes()) {
                throw new TapeException(where + " has " + bytes + " bytes, " + file.bytes() + " were written" + why);
            }
            if (!md5.equals(file.md5())) {
                throw new TapeException("Checksum mismatch in " + where + ": MD5 " + md5 + ", " + file.md5()
                        + " was written" + why);
            }
            if (problem instanceof TapeException t) {
                throw t;
            }
            if (problem != null) {
                throw new TapeException("Cannot read " + where + ": " + problem.getMessage(), problem);
            }
        }
    }

    /**
     * Restores the entries {@code name/...} of at most {@code limit} bytes of {@code in} into {@code target}:
     * directories and regular files only, none outside {@code target}. Every byte up to {@code limit} is read and
     * digested, whatever tar skips and whatever goes wrong in the entries (that is kept as the problem); only a
     * failure to read {@code in} itself is thrown.
     */
    static Restored restore(InputStream in, long limit, String where, String name, Path target) throws IOException {
        MessageDigest md5 = md5();
        Digesting digesting = new Digesting(in, limit, md5);
        Exception problem = null;
        try {
            entries(digesting, where, name, target);
        } catch (IOException | TapeException e) {
            problem = e; // a damaged tape file is first of all a checksum mismatch: read it through
        }
        digesting.drain();
        return new Restored(digesting.count, HexFormat.of().formatHex(md5.digest()), problem);
    }

    private static void entries(InputStream in, String where, String name, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        String prefix = name + "/";
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            String n = e.getName();
            if (!(n.equals(prefix) || n.startsWith(prefix))) {
                throw new TapeException(where + " holds '" + n + "', not a file of " + name);
            }
            Path out = root.resolve(n.substring(prefix.length())).normalize();
            if (!out.startsWith(root)) {
                throw new TapeException(where + " holds '" + n + "', which would escape " + name);
            }
            if (e.isDirectory()) {
                Files.createDirectories(out);
            } else if (e.getLinkFlag() == TarConstants.LF_NORMAL || e.getLinkFlag() == TarConstants.LF_OLDNORM) {
                Files.createDirectories(out.getParent());
                Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // a link (symbolic or hard), a device, a fifo: write never writes one
                throw new TapeException(where + " holds '" + n + "', which is not a file or directory");
            }
        }
    }

    /** Bytes rounded up to whole 512-byte blocks. */
    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** The length of a POSIX extended header record {@code "<length> <key>=<value>\n"}. */
    private static long paxRecord(String key, String value) {
        long rest = 3 + key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
        long length = rest + 1;
        while (Long.toString(length).length() + rest != length) {
            length = Long.toString(length).length() + rest;
        }
        return length;
    }

    /** A directory's paths in the order they are archived: sorted, the directory itself first. */
    private static List<Path> walk(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.sorted().toList();
        }
    }

    private static String entryName(String name, Path dir, Path p) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        return rel.isEmpty() ? name : name + "/" + rel;
    }

    /**
     * A tar entry of a file or directory: its name, size, permissions and modification time in whole seconds.
     * Nothing more (no access, change or creation times): those would cost each entry an extended header, which
     * triples a small entry and makes GNU tar warn about keywords it does not know.
     */
    private static TarArchiveEntry entry(Path p, String entryName, long size) throws IOException {
        boolean dir = entryName.endsWith("/");
        TarArchiveEntry e = new TarArchiveEntry(entryName);
        e.setSize(size);
        e.setModTime(FileTime.from(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.SECONDS),
                TimeUnit.SECONDS));
        try {
            int perms = 0;
            for (PosixFilePermission perm : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) {
                perms |= 0400 >> perm.ordinal();
            }
            e.setMode((dir ? TarArchiveEntry.DEFAULT_DIR_MODE : TarArchiveEntry.DEFAULT_FILE_MODE) & ~0777 | perms);
        } catch (UnsupportedOperationException notPosix) {
            // the entry's default mode: 755 for a directory, 644 for a file
        }
        return e;
    }

    /** Counts and digests what goes through it; never closes the stream below. */
    private static final class Counting extends FilterOutputStream {
        private final MessageDigest md5;
        long count;

        Counting(OutputStream out, MessageDigest md5) {
            super(out);
            this.md5 = md5;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            md5.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            md5.update(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /**
     * At most {@code limit} bytes of a stream, each one digested and counted: skips read through, so the digest
     * covers every byte of the tape file whatever tar skips.
     */
    private static final class Digesting extends FilterInputStream {
        private final MessageDigest md5;
        private final long limit;
        long count;

        Digesting(InputStream in, long limit, MessageDigest md5) {
            super(in);
            this.limit = limit;
            this.md5 = md5;
        }

        @Override
        public int read() throws IOException {
            if (count >= limit) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                md5.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (count >= limit) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, limit - count));
            if (n > 0) {
                md5.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public int available() {
            return 0;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        void drain() throws IOException {
            skip(Long.MAX_VALUE);
        }

        @Override
        public void close() {
            // the stream below is the caller's
        }
    }
}
