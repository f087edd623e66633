package org.drmsbatch.jobs.collect;

/** What one record of the strain series holds: keywords computed from a chunk, and its samples. */
public record StrainRecord(String detector, double tStart, double dt, int nsamples, double min, double max,
        double mean, double rms, String source, double[] h) {
}
