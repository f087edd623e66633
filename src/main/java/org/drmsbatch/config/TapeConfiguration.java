package org.drmsbatch.config;

import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TapeModel;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The tape library, when {@code drms.tape.directory} is set: volumes as tar files there, the drives and the LTO-9
 * cost model of {@code drms.tape.*}. Without it there is no {@link TapeLibrary} bean, SUMS deletes units when their
 * retention ends, and the archive and stage jobs refuse to start.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "drms.tape", name = "directory")
public class TapeConfiguration {

    /** The time model from {@code drms.tape.*}. */
    public static TapeModel model(DrmsProperties.Tape t) {
        return new TapeModel(seconds(t.mountTime()), seconds(t.unmountTime()), seconds(t.locateTime()),
                seconds(t.fullSeekTime()), t.streamingRate().toBytes(), t.volumeCapacity().toBytes());
    }

    private static double seconds(java.time.Duration d) {
        return d.toNanos() / 1e9;
    }

    @Bean(destroyMethod = "close")
    TarTapeLibrary tapeLibrary(DrmsProperties properties) {
        DrmsProperties.Tape t = properties.tape();
        return new TarTapeLibrary(t.directory(), t.drives(), model(t), t.timeScale());
    }

    @Bean
    TapeArchive tapeArchive(TapeLibrary tapeLibrary, DrmsProperties properties, javax.sql.DataSource dataSource) {
        return new TapeArchive(tapeLibrary, properties.tape().slots(), properties.tape().volumeCapacity().toBytes(),
                dataSource);
    }
}
