package org.drmsbatch.jobs.snapshot;

import java.util.List;

import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParsedParameters;

/**
 * The parameters of a {@code snapshot} run, parsed once per launch.
 *
 * @param run  identifying; also the token recorded with the freeze; a launch through JobControl without it gets a
 *             fresh value
 * @param user who asked (default {@value SnapshotJobConfiguration#USER})
 */
public record SnapshotParameters(String run, String user) {

    static final ParameterNames NAMES = ParameterNames.of(List.of("run"), List.of("user"));

    /** The job's validator and the parsed parameters of each launch. */
    static ParsedParameters<SnapshotParameters> parser() {
        return new ParsedParameters<>(NAMES, p -> new SnapshotParameters(p.values().get("run"),
                p.get("user", SnapshotJobConfiguration.USER)));
    }
}
