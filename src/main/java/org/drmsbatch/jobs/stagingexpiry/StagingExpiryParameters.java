package org.drmsbatch.jobs.stagingexpiry;

import java.util.List;
import java.util.function.BooleanSupplier;

import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParsedParameters;

/**
 * The parameters of a {@code staging-expiry} run, parsed once per launch.
 *
 * @param run identifying; a launch through JobControl without it gets a fresh value
 */
public record StagingExpiryParameters(String run) {

    static final ParameterNames NAMES = ParameterNames.of(List.of("run"), List.of());

    static final String NOT_CONFIGURED = "the staging service is not configured in this process (drms.staging.*):"
            + " there is nothing to expire";

    /**
     * The job's validator and the parsed parameters of each launch; refused when {@code configured} says the staging
     * service is missing.
     */
    static ParsedParameters<StagingExpiryParameters> parser(BooleanSupplier configured) {
        return new ParsedParameters<>(NAMES, p -> {
            if (!configured.getAsBoolean()) {
                throw new IllegalArgumentException(NOT_CONFIGURED);
            }
            return new StagingExpiryParameters(p.values().get("run"));
        });
    }
}
