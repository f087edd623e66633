package org.drmsbatch.config;

import org.drmsbatch.staging.TapeUploads;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code drms.staging.upload-*}: where tape files another site uploads are kept ({@link TapeUploads}).
 *
 * @param uploadSeries    the series they are records of (default {@value TapeUploads#DEFAULT_SERIES}), created on
 *                        first use with {@code Archive: 1}
 * @param uploadTapeGroup that series' tape group on this site's tape (default 1)
 */
@ConfigurationProperties(prefix = "drms.staging")
public record TapeUploadProperties(String uploadSeries, Integer uploadTapeGroup) {

    public TapeUploadProperties {
        uploadSeries = uploadSeries == null || uploadSeries.isBlank() ? TapeUploads.DEFAULT_SERIES
                : uploadSeries.trim();
        uploadTapeGroup = uploadTapeGroup != null ? uploadTapeGroup : 1;
    }
}
