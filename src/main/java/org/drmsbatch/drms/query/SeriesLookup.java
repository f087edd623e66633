package org.drmsbatch.drms.query;

import java.util.Optional;

import org.drmsbatch.drms.SeriesDefinition;

/** Where the parser finds series definitions (names match case-insensitively). */
@FunctionalInterface
public interface SeriesLookup {
    Optional<SeriesDefinition> find(String seriesName);
}
