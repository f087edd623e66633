package org.drmsbatch.staging;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.drmsbatch.sums.Sums;

/**
 * The WLCG Tape REST API v1 over staging requests (specs staging-and-buffer.md B): what {@code api/} answers, kept
 * free of HTTP. Files are named by the URL paths this server serves them under for download,
 * {@code <download path>sums/<partition>/D<sunum>/S00000/image.fits}; a path is sanitised (duplicate slashes
 * collapsed) and its storage unit is its {@code D<sunum>} component.
 *
 * <ul>
 *   <li>{@link #stage}: a request of kind {@code wlcg}; a file that is not a file of a storage unit on tape (a
 *       directory, a path outside the SUMS download roots, an unknown unit, a unit offline and never archived, a file
 *       missing from its online unit, a 0-byte file) is taken and reported FAILED with its error at poll time.</li>
 *   <li>{@link #status}: the poll, in the {@code state} form (never {@code onDisk}): SUBMITTED (not yet asked of the
 *       tape), STARTED (its unit asked of the tape), COMPLETED (on disk at its path), FAILED (with {@code error}),
 *       CANCELLED. A file of an expired request that never came off tape is FAILED.</li>
 *   <li>{@link #cancel}, {@link #release}: every path must be a file of the request, else nothing changes and the
 *       missing paths are returned; {@link #delete}: cancel all, then the request is gone.</li>
 *   <li>{@link #archiveInfo}: DISK, TAPE, DISK_AND_TAPE, NONE (0 bytes), LOST (offline, never archived), or an error
 *       for a path that names no file; at most {@link #MAX_ARCHIVE_INFO} paths are answered.</li>
 * </ul>
 * Only requests of kind {@code wlcg} are seen through this API: an MWA or drms request's token is not found here.
 */
public class WlcgTape {

    /** The request kind of this API's requests. */
    public static final String KIND = "wlcg";

    /** The most paths one archiveinfo call answers (the spec: answer what can be fetched, never fail for many). */
    public static final int MAX_ARCHIVE_INFO = 10_000;

    /** The most files one stage request may name. */
    public static final int MAX_STAGE_FILES = 100_000;

    /** The error of a path that names no file of a storage unit (the spec's archiveinfo example text). */
    public static final String NO_SUCH_FILE = "USER ERROR: file does not exist or is not accessible";

    private static final Pattern UNIT = Pattern.compile("D(\\d{1,18})");

    /** A file a client asks to stage, with the disk lifetime it asked for (null: none). */
    public record StageFile(String path, Duration diskLifetime) {
    }

    /** A file of a poll answer: {@code startedAt}/{@code finishedAt} in epoch seconds, absent when unknown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileStatus(String path, String state, Long startedAt, Long finishedAt, String error) {
    }

    /** A poll answer: times in epoch seconds; {@code completedAt} only once every file is in a terminal state. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RequestStatus(String id, long createdAt, long startedAt, Long completedAt, List<FileStatus> files) {
    }

    /** An archiveinfo item: {@code locality} or {@code error}, never both. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ArchiveInfo(String path, String locality, String error) {
    }

    /** A path named in the download area's SUMS roots: the partition's directory, the unit, the rest below it. */
    private record Named(String path, String partition, Path root, long sunum, List<String> rest,
                         boolean directory) {
        Path unitDirectory() {
            return root.resolve("D" + sunum);
        }

        Path file() {
            Path p = unitDirectory();
            for (String part : rest) {
                p = p.resolve(part);
            }
            return p;
        }
    }

    private final StagingService service;
    private final String sumsPrefix;
    private final Map<String, Path> partitions;
    private final Duration maxDiskLifetime;

    /**
     * @param service         the staging service
     * @param downloadPath    the path the download area is served under, e.g. {@code /download/}
     * @param partitions      the SUMS partitions by the name they are served under ({@code SUM0} to its directory)
     * @param maxDiskLifetime the longest {@code diskLifetime} honoured; a longer one is cut to it
     */
    public WlcgTape(StagingService service, String downloadPath, Map<String, Path> partitions,
            Duration maxDiskLifetime) {
        this.service = service;
        String base = downloadPath.endsWith("/") ? downloadPath : downloadPath + "/";
        this.sumsPrefix = (base.startsWith("/") ? base : "/" + base) + "sums/";
        this.partitions = Map.copyOf(partitions);
        this.maxDiskLifetime = maxDiskLifetime;
    }

    /** The path prefix of the files this API stages: {@code /download/sums/}. */
    public String sumsPrefix() {
        return sumsPrefix;
    }

    // ---- stage ----

    /**
     * Takes a stage request: each path sanitised (a path named twice is one file), files that cannot be staged in
     * error at once, the rest waiting for the tape or ready when online. The request's pins last the longest
     * {@code diskLifetime} asked for (at most the configured maximum), else until the request expires. An empty path
     * or too many files is a {@link StagingException}.
     */
    public StagingRequest stage(List<StageFile> files) {
        if (files.isEmpty()) {
            throw new StagingException("a stage request names no file");
        }
        if (files.size() > MAX_STAGE_FILES) {
            throw new StagingException("a stage request names " + files.size() + " files, more than the "
                    + MAX_STAGE_FILES + " this server takes in one request");
        }
        Duration lifetime = null;
        LinkedHashSet<String> paths = new LinkedHashSet<>();
        for (StageFile f : files) {
            paths.add(StagingService.sanitise(f.path()));
            if (f.diskLifetime() != null && (lifetime == null || f.diskLifetime().compareTo(lifetime) > 0)) {
                lifetime = f.diskLifetime();
            }
        }
        if (lifetime != null && lifetime.compareTo(maxDiskLifetime) > 0) {
            lifetime = maxDiskLifetime;
        }
        Map<String, Named> named = new LinkedHashMap<>();
        for (String p : paths) {
            named.put(p, name(p).orElse(null));
        }
        Map<Long, Sums.Info> units = units(named.values());
        List<StagingStore.FileRef> refs = new ArrayList<>();
        for (String p : paths) {
            Named n = named.get(p);
            if (n == null) {
                refs.add(new StagingStore.FileRef(p, null, NO_SUCH_FILE + ": not a file of a storage unit under "
                        + sumsPrefix + "<partition>/D<sunum>/"));
                continue;
            }
            Sums.Info info = units.get(n.sunum());
            String error = null;
            if (n.directory()) {
                error = NO_SUCH_FILE + ": " + p + " is a directory, not a file";
            } else if (info != null && info.online()) {
                error = problem(n, info, true);
            }
            // an unknown unit, or one offline and never archived: the store puts the file in error with the reason
            refs.add(new StagingStore.FileRef(p, n.sunum(), error));
        }
        return service.submit(new StagingStore.NewRequest(KIND, null, null, null, refs), lifetime);
    }

    // ---- poll ----

    /** The request's status by its id; empty when no WLCG request has this id. */
    public Optional<RequestStatus> status(String id) {
        Optional<StagingRequest> found = request(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        StagingRequest r = found.get();
        List<StagingFile> files = service.store().files(r.id());
        // a file marked ready is COMPLETED when it is at its path; its unit online elsewhere, or the file missing
        // from the unit restored, is a failure the client must hear of
        Map<String, Named> named = new HashMap<>();
        for (StagingFile f : files) {
            if (f.state().equals("ready")) {
                name(f.path()).ifPresent(n -> named.put(f.path(), n));
            }
        }
        Map<Long, Sums.Info> units = units(named.values());
        boolean expired = r.state().equals("expired");
        List<FileStatus> out = new ArrayList<>(files.size());
        Long started = null;
        Long finished = null;
        boolean allDone = true;
        for (StagingFile f : files) {
            Long fStarted = seconds(f.startedAt());
            Long fFinished = seconds(f.finishedAt());
            String state;
            String error = null;
            switch (f.state()) {
                case "ready" -> {
                    Named n = named.get(f.path());
                    Sums.Info info = n == null ? null : units.get(n.sunum());
                    error = info != null && info.online() ? problem(n, info, false) : null;
                    state = error == null ? "COMPLETED" : "FAILED";
                }
                case "error" -> {
                    state = "FAILED";
                    error = f.reason() == null ? "the file could not be staged" : f.reason();
                }
                case "cancelled" -> state = "CANCELLED";
                default -> {
                    if (expired) {
                        state = "FAILED";
                        error = "the request expired before the file came off tape";
                        fFinished = seconds(r.completedAt());
                    } else {
                        state = f.startedAt() == null ? "SUBMITTED" : "STARTED";
                        fFinished = null;
                        allDone = false;
                    }
                }
            }
            if (fFinished != null && fStarted == null) {
                fStarted = fFinished; // went terminal without being asked of the tape (online, or in error at once)
            }
            if (fStarted != null && (started == null || fStarted < started)) {
                started = fStarted;
            }
            if (fFinished != null && (finished == null || fFinished > finished)) {
                finished = fFinished;
            }
            out.add(new FileStatus(f.path(), state, fStarted, fFinished, error));
        }
        long created = r.created().getEpochSecond();
        return Optional.of(new RequestStatus(r.token(), created, started == null ? created : started,
                allDone ? (finished == null ? created : finished) : null, out));
    }

    private static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }

    // ---- cancel, delete, release ----

    /**
     * Cancels files of a request: the paths of {@code paths} that are not among its files (sanitised) when there are
     * any, and then nothing has changed; else an empty list. Empty optional: no WLCG request has this id.
     */
    public Optional<List<String>> cancel(String id, Collection<String> paths) {
        return request(id).map(r -> service.store().cancel(r.id(), sanitised(paths)));
    }

    /** Releases files of a request, as {@link #cancel} answers. */
    public Optional<List<String>> release(String id, Collection<String> paths) {
        return request(id).map(r -> service.store().release(r.id(), sanitised(paths)));
    }

    /** Cancels every file of a request, then removes it; false when no WLCG request has this id. */
    public boolean delete(String id) {
        Optional<StagingRequest> r = request(id);
        r.ifPresent(req -> {
            service.store().cancel(req.id(), null);
            service.store().delete(req.id());
        });
        return r.isPresent();
    }

    private static List<String> sanitised(Collection<String> paths) {
        return new ArrayList<>(new LinkedHashSet<>(paths.stream().map(StagingService::sanitise).toList()));
    }

    private Optional<StagingRequest> request(String id) {
        if (id == null || id.isBlank() || id.length() > 100) {
            return Optional.empty();
        }
        return service.store().byToken(id).filter(r -> r.kind().equals(KIND));
    }

    // ---- archiveinfo ----

    /**
     * The locality of each path (sanitised, a path named twice answered once), the first {@link #MAX_ARCHIVE_INFO}
     * only. An empty path is answered with an error, not refused.
     */
    public List<ArchiveInfo> archiveInfo(List<String> paths) {
        LinkedHashMap<String, Named> named = new LinkedHashMap<>();
        List<ArchiveInfo> blank = new ArrayList<>();
        for (String given : paths) {
            if (named.size() + blank.size() >= MAX_ARCHIVE_INFO) {
                break;
            }
            String p;
            try {
                p = StagingService.sanitise(given);
            } catch (StagingException e) {
                blank.add(new ArchiveInfo(given == null ? "" : given, null, NO_SUCH_FILE + ": " + e.getMessage()));
                continue;
            }
            if (!named.containsKey(p)) {
                named.put(p, name(p).orElse(null));
            }
        }
        Map<Long, Sums.Info> units = units(named.values());
        List<ArchiveInfo> out = new ArrayList<>(named.size() + blank.size());
        for (Map.Entry<String, Named> e : named.entrySet()) {
            String p = e.getKey();
            Named n = e.getValue();
            Sums.Info info = n == null ? null : units.get(n.sunum());
            if (info == null) {
                out.add(new ArchiveInfo(p, null, NO_SUCH_FILE));
            } else if (n.directory()) {
                out.add(new ArchiveInfo(p, null, NO_SUCH_FILE + ": a directory, not a file"));
            } else if (info.online()) {
                String problem = problem(n, info, false);
                if (problem != null) {
                    out.add(new ArchiveInfo(p, null, problem));
                } else {
                    long size = size(n.file());
                    out.add(new ArchiveInfo(p, size == 0 ? "NONE" : info.archived() ? "DISK_AND_TAPE" : "DISK", null));
                }
            } else {
                out.add(new ArchiveInfo(p, info.archived() ? "TAPE" : "LOST", null));
            }
        }
        out.addAll(blank);
        return out;
    }

    // ---- paths ----

    /**
     * The partition, unit and file a path names: {@code <sums prefix><partition>/D<sunum>[/<name>...]}, each name
     * percent-decoded, none empty, hidden ({@code .} first) or leaving its directory. Empty when it names none.
     */
    private Optional<Named> name(String path) {
        if (!path.startsWith(sumsPrefix)) {
            return Optional.empty();
        }
        String[] parts = path.substring(sumsPrefix.length()).split("/", -1);
        if (parts.length < 2) {
            return Optional.empty();
        }
        Path root = partitions.get(parts[0]);
        Matcher m = UNIT.matcher(parts[1]);
        if (root == null || !m.matches()) {
            return Optional.empty();
        }
        List<String> rest = new ArrayList<>();
        for (int i = 2; i < parts.length; i++) {
            if (i == parts.length - 1 && parts[i].isEmpty()) {
                break; // a trailing slash: a directory
            }
            String part;
            try {
                part = URLDecoder.decode(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (part.isEmpty() || part.startsWith(".") || part.contains("/") || part.contains("\\")
                    || part.indexOf('\0') >= 0) {
                return Optional.empty();
            }
            rest.add(part);
        }
        return Optional.of(new Named(path, parts[0], root, Long.parseLong(m.group(1)), List.copyOf(rest),
                rest.isEmpty() || path.endsWith("/")));
    }

    /** The units' SUMS rows (unknown ones absent). */
    private Map<Long, Sums.Info> units(Collection<Named> named) {
        List<Long> sunums = named.stream().filter(n -> n != null).map(Named::sunum).distinct().toList();
        if (sunums.isEmpty()) {
            return Map.of();
        }
        return service.store().inTransaction(c -> service.store().sums().get(c, sunums, false, 0));
    }

    /**
     * Why the file a path names in an online unit cannot be handed out at that path (null: it can): the unit is on
     * another partition, the file is missing, a directory or leaves the partition; with {@code emptyIsError} a
     * 0-byte file too (the spec: not a file to stage).
     */
    private String problem(Named n, Sums.Info info, boolean emptyIsError) {
        if (n.directory()) {
            return NO_SUCH_FILE + ": " + n.path() + " is a directory, not a file";
        }
        if (info.path() == null || !same(info.path(), n.unitDirectory())) {
            return NO_SUCH_FILE + ": storage unit " + n.sunum() + " is not on partition " + n.partition()
                    + servedAt(info.path()).map(p -> " but under " + p).orElse("");
        }
        try {
            Path real = n.file().toRealPath();
            if (!real.startsWith(n.root().toRealPath())) {
                return NO_SUCH_FILE;
            }
            if (Files.isDirectory(real)) {
                return NO_SUCH_FILE + ": " + n.path() + " is a directory, not a file";
            }
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                return NO_SUCH_FILE;
            }
            if (emptyIsError && Files.size(real) == 0) {
                return n.path() + " is a 0-byte file: nothing to stage";
            }
            return null;
        } catch (IOException | SecurityException e) {
            return NO_SUCH_FILE;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** The download path of a unit's directory on some partition ({@code /download/sums/SUM1/D12}). */
    private Optional<String> servedAt(Path unitDirectory) {
        if (unitDirectory == null || unitDirectory.getParent() == null) {
            return Optional.empty();
        }
        Path parent = unitDirectory.toAbsolutePath().normalize().getParent();
        return partitions.entrySet().stream().filter(e -> same(e.getValue(), parent)).findFirst()
                .map(e -> sumsPrefix + e.getKey() + "/" + unitDirectory.getFileName());
    }
}
