package org.drmsbatch.segments;

import java.util.Arrays;
import java.util.Locale;

import nom.tam.fits.header.Compression;

/**
 * A DRMS cparms string (CFITSIO extended-file-name syntax, specs/drms.md §1.5) read as a tile compression:
 * {@code ""}/{@code none} (none), {@code compress Rice}, {@code compress Rice 128,192} (tile lengths, first axis
 * first), {@code compress GZIP}, {@code compress PLIO}, {@code compress HCOMPRESS}.
 *
 * @param algorithm FITS ZCMPTYPE ({@code RICE_1}, {@code GZIP_1}, ...); null for no compression
 * @param tiles     tile lengths, first axis first; empty for the CFITSIO default (one row per tile)
 */
public record FitsCompression(String algorithm, int[] tiles) {

    public static final FitsCompression NONE = new FitsCompression(null, new int[0]);
    public static final FitsCompression RICE = new FitsCompression(Compression.ZCMPTYPE_RICE_1, new int[0]);

    public FitsCompression {
        tiles = tiles.clone();
    }

    public boolean compressed() {
        return algorithm != null;
    }

    @Override
    public int[] tiles() {
        return tiles.clone();
    }

    /** Parses a cparms string; fails with a message naming it when it is not one. */
    public static FitsCompression parse(String cparms) {
        if (cparms == null || cparms.isBlank() || cparms.trim().equalsIgnoreCase("none")) {
            return NONE;
        }
        String[] t = cparms.trim().split("[\\s]+", 3);
        if (!t[0].equalsIgnoreCase("compress") || t.length < 2) {
            throw new IllegalArgumentException("cparms '" + cparms + "': expected 'compress <algorithm> [tiles]'");
        }
        String alg = switch (t[1].toUpperCase(Locale.ROOT)) {
            case "RICE", "RICE_1" -> Compression.ZCMPTYPE_RICE_1;
            case "GZIP", "GZIP_1" -> Compression.ZCMPTYPE_GZIP_1;
            case "GZIP_2" -> Compression.ZCMPTYPE_GZIP_2;
            case "PLIO", "PLIO_1" -> Compression.ZCMPTYPE_PLIO_1;
            case "HCOMPRESS", "HCOMPRESS_1" -> Compression.ZCMPTYPE_HCOMPRESS_1;
            default -> throw new IllegalArgumentException("cparms '" + cparms + "': unknown compression " + t[1]);
        };
        int[] tiles = new int[0];
        if (t.length == 3) {
            try {
                tiles = Arrays.stream(t[2].trim().split("\\s*,\\s*")).mapToInt(Integer::parseInt).toArray();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cparms '" + cparms + "': bad tile lengths '" + t[2] + "'");
            }
            for (int x : tiles) {
                if (x <= 0) {
                    throw new IllegalArgumentException("cparms '" + cparms + "': tile lengths must be positive");
                }
            }
        }
        return new FitsCompression(alg, tiles);
    }

    /** Same algorithm and tiles as a cparms string (tiles omitted when default). */
    @Override
    public String toString() {
        if (algorithm == null) {
            return "";
        }
        String name = algorithm.replace("_1", "");
        StringBuilder sb = new StringBuilder("compress ").append(name.charAt(0)).append(name.substring(1).toLowerCase(Locale.ROOT));
        if (algorithm.equals(Compression.ZCMPTYPE_GZIP_1) || algorithm.equals(Compression.ZCMPTYPE_GZIP_2)) {
            sb.setLength(0);
            sb.append("compress ").append(algorithm.equals(Compression.ZCMPTYPE_GZIP_1) ? "GZIP" : "GZIP_2");
        }
        for (int i = 0; i < tiles.length; i++) {
            sb.append(i == 0 ? ' ' : ',').append(tiles[i]);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FitsCompression c && java.util.Objects.equals(algorithm, c.algorithm) && Arrays.equals(tiles, c.tiles);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(algorithm) * 31 + Arrays.hashCode(tiles);
    }

}
