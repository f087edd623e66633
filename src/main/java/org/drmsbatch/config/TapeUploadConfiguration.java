package org.drmsbatch.config;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.staging.TapeUploads;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Tape files other sites keep here ({@code PUT /api/tape/v1/upload/...}): {@link TapeUploads} on the series of
 * {@code drms.staging.upload-series}, bodies spooled under {@code <home>/staging/uploads}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TapeUploadProperties.class)
public class TapeUploadConfiguration {

    @Bean
    TapeUploads tapeUploads(Drms drms, RecordSets recordSets, TapeUploadProperties properties,
            DrmsProperties drmsProperties) {
        return new TapeUploads(drms, recordSets, properties.uploadSeries(), properties.uploadTapeGroup(),
                drmsProperties.home().resolve("staging").resolve("uploads"));
    }
}
