package org.drmsbatch.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes exports older than their retention from {@link ExportRoot} (JSOC keeps an export's files 7 days; here
 * {@code drms.export.retention}). An export is the directory {@code <root>/<requestId>/} (everything an export leaves,
 * its tar file included, is inside it). It is removed when it ended longer ago than the retention: by what the caller
 * knows of it ({@link Known}: the end of the export job's last execution), or, for a directory nobody knows (left by
 * an older install, copied in), by the newest modification time in it. One whose export is running or queued is
 * never removed.
 *
 * <p>Only directories directly in the root whose name is a request id ({@link ExportRoot#REQUEST_ID}) are exports:
 * files, symbolic links and other names in the root are left alone, and symbolic links inside an export directory
 * are removed as links, never followed: nothing outside the root is read or deleted.
 *
 * <p>Removal is safe against a crash midway: the directory is first renamed (atomically, in the root) to the hidden
 * {@code .removing-<requestId>-<nanos>}, so that it is gone at once for downloads and {@code exp_status}, and then
 * deleted; {@link #finishRemovals} deletes such leftovers of an earlier, interrupted run.
 *
 * <p>The library knows nothing of Spring Batch: what the job repository says of a request comes through the
 * {@code lookup} the caller gives.
 */
public final class ExportCleanup {

    /** Hidden directories of removals under way: {@code .removing-<requestId>-<nanos>}. */
    public static final String REMOVING_PREFIX = ".removing-";

    /**
     * What the job repository knows of the export of a request.
     *
     * @param active whether an execution of it is running or queued (it is then never removed)
     * @param ended  when its last execution ended; null when no ended execution has an end time
     */
    public record Known(boolean active, Instant ended) {
    }

    /** What the job repository knows of a request's export, given also its directory (which it may look into). */
    @FunctionalInterface
    public interface Lookup {
        /** Empty when the repository knows no execution of an export of this request. */
        Optional<Known> of(String requestId, Path directory);
    }

    /**
     * An export past its retention.
     *
     * @param requestId the request (the directory's name)
     * @param ended     when it ended (or, for an unknown directory, its newest modification time)
     * @param known     whether the job repository knows it (else its age is its files')
     * @param bytes     the bytes of its regular files
     */
    public record Candidate(String requestId, Instant ended, boolean known, long bytes) {
    }

    /** What one look at the root found: the exports past their retention (oldest first) and those kept. */
    public record Survey(List<Candidate> expired, int young, int active) {
        public Survey {
            expired = List.copyOf(expired);
        }
    }

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

    private final ExportRoot root;
    private final Clock clock;

    public ExportCleanup(ExportRoot root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    public ExportRoot root() {
        return root;
    }

    /**
     * A retention as configured or given: a number with a unit, {@code ms s m h d} ({@code 7d}, {@code 12h},
     * {@code 30m}), or ISO-8601 ({@code P7D}, {@code PT12H}); longer than zero. A number without a unit is refused
     * (it could be read as milliseconds and remove every export). Refusals are {@link IllegalArgumentException}s
     * naming {@code what}.
     */
    public static Duration parseRetention(String what, String text) {
        String t = text == null ? "" : text.trim();
        Duration d = null;
        Matcher m = SIMPLE_DURATION.matcher(t.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else if (t.startsWith("P") || t.startsWith("p")) {
            try {
                d = Duration.parse(t);
            } catch (DateTimeParseException e) {
                d = null;
            }
        }
        if (d == null) {
            throw new IllegalArgumentException(what + ": '" + t + "' is not a duration; give a number with a unit"
                    + " (ms, s, m, h, d), e.g. 7d or 12h");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + ": '" + t + "' is not longer than zero");
        }
        return d;
    }

    /** A retention as people say it: {@code 7 day}, {@code 12 hour}, else ISO-8601 ({@code PT90M}). */
    public static String describe(Duration retention) {
        if (!retention.isZero() && retention.toSeconds() % 86_400 == 0 && retention.toNanosPart() == 0) {
            return retention.toDays() + " day";
        }
        if (!retention.isZero() && retention.toSeconds() % 3_600 == 0 && retention.toNanosPart() == 0) {
            return retention.toHours() + " hour";
        }
        return retention.toString();
    }

    /**
     * The exports of the root past their retention, oldest first, and how many were kept as younger or active.
     *
     * @param lookup what the job repository knows of a request
     */
    public Survey survey(Duration retention, Lookup lookup) {
        Instant limit = clock.instant().minus(retention);
        List<Candidate> expired = new ArrayList<>();
        int young = 0;
        int active = 0;
        for (Path dir : exportDirectories()) {
            String id = dir.getFileName().toString();
            Optional<Known> known = lookup.of(id, dir);
            if (known.isPresent() && known.get().active()) {
                active++;
                continue;
            }
            Instant ended = known.map(Known::ended).orElse(null);
            boolean byRepository = ended != null;
            if (ended == null) {
                Optional<Instant> newest = newestModification(dir);
                if (newest.isEmpty()) {
                    continue; // gone meanwhile
                }
                ended = newest.get();
            }
            if (ended.isBefore(limit)) {
                expired.add(new Candidate(id, ended, byRepository, bytes(dir)));
            } else {
                young++;
            }
        }
        expired.sort(Comparator.comparing(Candidate::ended).thenComparing(Candidate::requestId));
        return new Survey(expired, young, active);
    }

    /**
     * Removes one export: renames its directory to a hidden {@code .removing-*} name, asks {@code lookup} again
     * whether its export has started meanwhile (if it has, the directory is put back), and deletes it. Returns the
     * bytes freed, or -1 when it was not removed (gone meanwhile, or its export started).
     */
    public long remove(Candidate candidate, Lookup lookup) {
        Path dir = root.directory(candidate.requestId());
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return -1;
        }
        Path removing = root.path().resolve(REMOVING_PREFIX + candidate.requestId() + "-" + System.nanoTime());
        try {
            Files.move(dir, removing, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("cannot rename " + dir + " within the export directory: " + e, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + dir + " for its removal: " + e, e);
        }
        if (lookup.of(candidate.requestId(), removing).map(Known::active).orElse(false)) {
            try {
                Files.move(removing, dir, StandardCopyOption.ATOMIC_MOVE);
                return -1;
            } catch (IOException e) {
                // its export made the directory anew meanwhile: the old files are not its own any more
            }
        }
        long bytes = bytes(removing);
        deleteTree(removing);
        return bytes;
    }

    /** Deletes the leftovers of removals an earlier run began ({@code .removing-*}); returns their names and bytes. */
    public List<Candidate> finishRemovals() {
        List<Candidate> done = new ArrayList<>();
        for (Path p : list(e -> e.getFileName().toString().startsWith(REMOVING_PREFIX)
                && Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS))) {
            long bytes = bytes(p);
            deleteTree(p);
            done.add(new Candidate(p.getFileName().toString(), null, false, bytes));
        }
        return done;
    }

    /** The directories (not links) directly in the root whose name is a request id. */
    private List<Path> exportDirectories() {
        return list(p -> ExportRoot.REQUEST_ID.matcher(p.getFileName().toString()).matches()
                && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS));
    }

    private List<Path> list(DirectoryStream.Filter<Path> filter) {
        if (!Files.isDirectory(root.path())) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root.path(), filter)) {
            s.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the export directory " + root.path() + ": " + e, e);
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    /** The newest modification time of the directory and anything in it (links not followed); empty when gone. */
    static Optional<Instant> newestModification(Path dir) {
        Instant[] newest = {null};
        walk(dir, (p, a) -> {
            Instant t = a.lastModifiedTime().toInstant();
            if (newest[0] == null || t.isAfter(newest[0])) {
                newest[0] = t;
            }
        });
        return Optional.ofNullable(newest[0]);
    }

    /** The bytes of the regular files under {@code dir} (links not followed). */
    static long bytes(Path dir) {
        long[] total = {0};
        walk(dir, (p, a) -> {
            if (a.isRegularFile()) {
                total[0] += a.size();
            }
        });
        return total[0];
    }

    private interface Visit {
        void accept(Path p, BasicFileAttributes a);
    }

    /** Visits {@code dir} and everything under it, never following a link; a file gone meanwhile is skipped. */
    private static void walk(Path dir, Visit visit) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    visit.accept(d, a);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                    visit.accept(f, a);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e, e);
        }
    }

    /** Deletes {@code dir} and everything in it; a link is deleted as a link, its target left alone. */
    static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // gone already
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e, e);
        }
    }
}
