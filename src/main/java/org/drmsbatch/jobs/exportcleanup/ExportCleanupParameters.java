package org.drmsbatch.jobs.exportcleanup;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.drmsbatch.export.ExportCleanup;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;

/**
 * The parameters of an {@code export-cleanup} run, parsed once per launch.
 *
 * @param run       identifying; a launch through JobControl without it gets a fresh value
 * @param retention exports that ended longer ago than this are removed: {@code retention} (a number with a unit,
 *                  {@code 7d}, {@code 12h}, see {@link ExportCleanup#parseRetention}), default
 *                  {@code drms.export.retention}
 * @param dryRun    true: nothing is removed, the exit description says what would go (default false)
 */
public record ExportCleanupParameters(String run, Duration retention, boolean dryRun) {

    static final ParameterNames NAMES = ParameterNames.of(List.of("run"), List.of("retention", "dryRun"));

    /** The job's validator and the parsed parameters of each launch; {@code configured}: drms.export.retention. */
    static ParsedParameters<ExportCleanupParameters> parser(String configured) {
        return new ParsedParameters<>(NAMES, p -> parse(p, configured));
    }

    static ExportCleanupParameters parse(ParameterText p, String configured) {
        String given = p.get("retention");
        Duration retention = given != null ? ExportCleanup.parseRetention("retention", given)
                : ExportCleanup.parseRetention("drms.export.retention", configured);
        boolean dryRun = switch (p.get("dryRun", "false").trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("dryRun: '" + p.get("dryRun") + "' is not true or false");
        };
        return new ExportCleanupParameters(p.values().get("run"), retention, dryRun);
    }
}
