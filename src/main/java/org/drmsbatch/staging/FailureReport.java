package org.drmsbatch.staging;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A failure report read back (specs staging-and-buffer.md A.9, as {@link StagingService} writes it and MWA's
 * {@code get_failed_job} parses it): the total on the header line and the names listed under it.
 *
 * @param totalFiles the first integer token of the "Job failure report" line (0 when there is none)
 * @param files      every distinct file name listed, indented, under "Files with errors:" or "Files that failed to
 *                   transfer:", in the order listed
 */
public record FailureReport(int totalFiles, List<String> files) {

    public FailureReport {
        files = List.copyOf(files);
    }

    /** Reads a report's text; lines it does not know are skipped. */
    public static FailureReport parse(String text) {
        int total = 0;
        boolean header = false;
        Set<String> names = new LinkedHashSet<>();
        for (String line : text.split("\n", -1)) {
            if (!header && line.startsWith("Job failure")) {
                header = true;
                for (String token : line.trim().split("\\s+")) {
                    try {
                        total = Integer.parseInt(token);
                        break;
                    } catch (NumberFormatException e) {
                        // not an integer token ("601:" is not one either, as in MWA's reading)
                    }
                }
            } else if (line.startsWith("  ") && !line.isBlank()) {
                names.add(line.substring(2));
            }
        }
        return new FailureReport(total, new ArrayList<>(names));
    }
}
