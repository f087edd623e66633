package org.drmsbatch.jobs.scrub;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;

/**
 * The parameters of a {@code scrub} run, parsed once per launch.
 *
 * @param run        identifying; a launch through JobControl without it gets a fresh value
 * @param force      also take archived units whose retention has not ended (default false)
 * @param partitions the partitions scrubbed, in order: the one named by {@code partition} (a path of
 *                   {@code drms.partitions}, absolute or relative to {@code drms.home}, or its directory name),
 *                   default all of them
 * @param chunkSize  units per transaction (default {@value #DEFAULT_CHUNK_SIZE})
 * @param series     only units owned by this series (an existing series); null: every series
 */
public record ScrubParameters(String run, boolean force, List<Path> partitions, int chunkSize, String series) {

    static final int DEFAULT_CHUNK_SIZE = 100;
    static final int MAX_CHUNK_SIZE = 100_000;

    static final ParameterNames NAMES = ParameterNames.of(List.of("run"), List.of("force", "partition", "chunkSize", "series"));

    public ScrubParameters {
        partitions = List.copyOf(partitions);
    }

    /** The job's validator and the parsed parameters of each launch. */
    static ParsedParameters<ScrubParameters> parser(DrmsProperties properties, Predicate<String> seriesExists) {
        return new ParsedParameters<>(NAMES, p -> parse(p, properties, seriesExists));
    }

    static ScrubParameters parse(ParameterText p, DrmsProperties properties, Predicate<String> seriesExists) {
        boolean force = switch (p.get("force", "false").trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("force: '" + p.get("force") + "' is not true or false");
        };
        String named = p.get("partition");
        List<Path> partitions = named == null ? properties.partitions() : List.of(partition(named.trim(), properties));
        int chunkSize = (int) p.integer("chunkSize", DEFAULT_CHUNK_SIZE, 1, MAX_CHUNK_SIZE);
        String series = p.get("series");
        if (series != null && !seriesExists.test(series.trim())) {
            throw new IllegalArgumentException("series: no series '" + series.trim() + "' in the catalog");
        }
        return new ScrubParameters(p.values().get("run"), force, partitions, chunkSize,
                series == null ? null : series.trim());
    }

    /** The partition of {@code drms.partitions} that {@code name} names: its path, or its directory name. */
    private static Path partition(String name, DrmsProperties properties) {
        List<Path> all = properties.partitions();
        Path asPath = properties.home().resolve(name).toAbsolutePath().normalize();
        if (all.contains(asPath)) {
            return asPath;
        }
        List<Path> byName = all.stream().filter(q -> q.getFileName().toString().equals(name)).toList();
        if (byName.size() == 1) {
            return byName.get(0);
        }
        throw new IllegalArgumentException("partition: '" + name + "' is "
                + (byName.isEmpty() ? "not one of" : "the directory name of several of") + " drms.partitions ("
                + String.join(", ", all.stream().map(properties::shown).toList()) + ")");
    }
}
