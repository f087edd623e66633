package org.drmsbatch.api;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.export.ExportRoot;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The files this server hands out over HTTP under the download base URL ({@code drms.export.download-url}), as
 * JSOC serves {@code /SUM*} and its export directories from its web root: each export request's directory under
 * {@code exports/<requestId>/}, and each SUMS partition under {@code sums/<partition>/} (its directory name, e.g.
 * {@code sums/SUM0/D12/S00000/image.fits}). The paths in JSON answers ({@code filename}, {@code dir}, segment
 * paths) are these paths with a leading {@code /}; a client joins them to its {@code http_download_baseurl}.
 *
 * <p>Only regular files whose real path (symbolic links followed) lies inside their root's real path are served
 * ({@link #servable}): a link in an export or storage-unit directory that points outside is not found, and what it
 * points to is never read.
 */
@Component
public class DownloadArea {

    static final String EXPORTS = ExportRoot.DOWNLOAD_NAME;
    static final String SUMS = "sums";

    private final DrmsProperties properties;
    private final String basePath;
    private final Path exportDirectory;
    /** URL path (relative, e.g. {@code sums/SUM0}) to directory, in order. */
    private final Map<String, Path> roots = new LinkedHashMap<>();

    public DownloadArea(DrmsProperties properties, ExportRoot exports,
            @Value("${drms.export.download-url:/download/}") String downloadUrl) {
        this.properties = properties;
        this.exportDirectory = exports.path();
        this.basePath = basePath(downloadUrl);
        roots.put(EXPORTS, this.exportDirectory);
        List<Path> partitions = properties.partitions();
        Map<String, Integer> names = new HashMap<>();
        partitions.forEach(p -> names.merge(name(p), 1, Integer::sum));
        for (int i = 0; i < partitions.size(); i++) {
            Path p = partitions.get(i);
            // a partition is named by its directory (SUM0); when two share a name, by its position instead
            String name = names.get(name(p)) == 1 ? name(p) : "p" + i;
            roots.put(SUMS + "/" + name, p.toAbsolutePath().normalize());
        }
    }

    private static String name(Path p) {
        Path f = p.getFileName();
        return f == null ? "root" : f.toString();
    }

    /** The path part of the base URL, with a leading and a trailing {@code /} ({@code /download/}). */
    static String basePath(String downloadUrl) {
        String path = downloadUrl == null || downloadUrl.isBlank() ? "/download/" : downloadUrl.trim();
        if (path.contains("://")) {
            path = URI.create(path).getPath();
        }
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        return path;
    }

    /** The path the files are served under on this server, e.g. {@code /download/}. */
    public String basePath() {
        return basePath;
    }

    /** Where export requests' directories are ({@code drms.export.directory}, default {@code <home>/exports}). */
    public Path exportDirectory() {
        return exportDirectory;
    }

    /** The served roots: relative URL path ({@code exports}, {@code sums/SUM0}) to directory. */
    public Map<String, Path> roots() {
        return Map.copyOf(roots);
    }

    /**
     * The download path ({@code /sums/SUM0/D12/S00000/image.fits}) of a file under one of the served roots, or
     * empty when the file is outside all of them.
     */
    public Optional<String> pathOf(Path file) {
        Path f = file.toAbsolutePath().normalize();
        for (Map.Entry<String, Path> e : roots.entrySet()) {
            if (f.startsWith(e.getValue())) {
                List<String> parts = new ArrayList<>();
                for (Path part : e.getValue().relativize(f)) {
                    parts.add(part.toString());
                }
                String rest = String.join("/", parts);
                return Optional.of("/" + e.getKey() + (rest.isEmpty() ? "" : "/" + rest));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code file}, found under the served root {@code root}, may be served: it is a regular file and its
     * real path, every symbolic link on the way followed, is inside the root's real path.
     */
    public static boolean servable(Path root, Path file) {
        return servablePath(root, file).isPresent();
    }

    /**
     * The real path of {@code file} when it may be served ({@link #servable}): the path to open, so that what is sent
     * is what was checked, even if a link on the way is swapped after the check.
     */
    public static Optional<Path> servablePath(Path root, Path file) {
        try {
            Path real = file.toRealPath();
            return real.startsWith(root.toRealPath()) && Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)
                    ? Optional.of(real) : Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.empty(); // gone, a dangling link, or not ours to look at: not found
        }
    }

    /**
     * The download path of a file ({@link #pathOf}); for a file outside the served roots, its path relative to the
     * home ({@link DrmsProperties#shown}): never an absolute server path.
     */
    public String shown(Path file) {
        return pathOf(file).orElseGet(() -> properties.shown(file));
    }

    /** The download path of an export request's directory: {@code /exports/<requestId>}. */
    public String exportPath(String requestId) {
        return ExportRoot.downloadPath(requestId);
    }
}
