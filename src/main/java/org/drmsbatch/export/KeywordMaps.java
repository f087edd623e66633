package org.drmsbatch.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The directory keyword map files are read from ({@code drms.export.keyword-maps}, default
 * {@code <drms.home>/keymaps}): an export's {@code kmfile} names a file in it, never any other file of the server.
 * A name is relative ({@code hmi.map}, {@code hmi/v2.map}: letters, digits, {@code _ . -} and {@code /}, no
 * {@code ..}), and the file's real path, symbolic links followed, must lie inside the directory's real path.
 *
 * <p>A refusal never tells whether a file outside the directory exists nor quotes a file's content: a name that
 * leaves the directory, a link that leads out of it and a file that is not there are all "no keyword map file" of
 * that name, and a bad line is named by its number only.
 */
public record KeywordMaps(Path directory) {

    /** The largest keyword map file read: far more than the keywords of any series. */
    public static final long MAX_BYTES = 1 << 20;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    public KeywordMaps {
        directory = directory.toAbsolutePath().normalize();
    }

    /** The directory for a home and the configured one (blank: {@code <home>/keymaps}; relative: under home). */
    public static KeywordMaps of(Path home, String configured) {
        if (configured == null || configured.isBlank()) {
            return new KeywordMaps(home.resolve("keymaps"));
        }
        return new KeywordMaps(home.resolve(configured.trim()));
    }

    /** The file a name stands for, if it is a keyword map file in the directory; else an {@link ExportException}. */
    public Path file(String name) {
        String n = name == null ? "" : name.trim();
        if (!NAME.matcher(n).matches() || List.of(n.split("/")).contains("..")) {
            throw notFound(n);
        }
        try {
            Path real = directory.resolve(n).toRealPath();
            if (!real.startsWith(directory.toRealPath()) || !Files.isRegularFile(real)) {
                throw notFound(n);
            }
            return real;
        } catch (IOException | InvalidPathException | SecurityException e) {
            throw notFound(n);
        }
    }

    private static ExportException notFound(String name) {
        return new ExportException("kmfile '" + name + "': no keyword map file of that name in the keyword-map"
                + " directory (drms.export.keyword-maps); give the name of a file in it, e.g. hmi.map");
    }

    /**
     * Reads the keyword map file a name stands for: lines {@code drms_name fits_name}; blank lines and {@code #}
     * comments skipped. DRMS names are lower-cased.
     */
    public Map<String, String> read(String name) {
        Path file = file(name);
        List<String> lines;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ExportException("kmfile '" + name + "': larger than " + MAX_BYTES / 1024
                        + " KB; a keyword map file has one short line per keyword");
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the reason only (not readable, not UTF-8 text), never a path or content
            throw new ExportException("kmfile '" + name + "': cannot be read as text ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            if (f.length != 2) {
                // the line itself is not quoted: the message goes back to whoever launched the export
                throw new ExportException("kmfile '" + name + "' line " + (i + 1)
                        + ": expected 'drms_name fits_name', found " + f.length + " fields");
            }
            map.put(f[0].toLowerCase(Locale.ROOT), f[1]);
        }
        return map;
    }
}
