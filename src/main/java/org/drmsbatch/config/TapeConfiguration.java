package org.drmsbatch.config;

import org.drmsbatch.sums.tape.RemoteTapeLibrary;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TapeModel;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The tape library: when {@code drms.tape.directory} is set, volumes as tar files there, the drives and the LTO-9
 * cost model of {@code drms.tape.*}; when {@code drms.tape.remote.url} is set instead, another site's drms-batch
 * server ({@link RemoteTapeLibrary}). Both set is refused ({@link DrmsProperties.Tape}). Without either there is no
 * {@link TapeLibrary} bean, SUMS deletes units when their retention ends, and the archive and stage jobs refuse to
 * start.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(TapeConfiguration.AnyLibrary.class)
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
    @Conditional(TarLibrary.class)
    TarTapeLibrary tapeLibrary(DrmsProperties properties) {
        DrmsProperties.Tape t = properties.tape();
        return new TarTapeLibrary(t.directory(), t.drives(), model(t), t.timeScale());
    }

    @Bean(destroyMethod = "close")
    @Conditional(RemoteLibrary.class)
    RemoteTapeLibrary remoteTapeLibrary(DrmsProperties properties) {
        DrmsProperties.Tape t = properties.tape();
        DrmsProperties.Remote r = t.remote();
        return new RemoteTapeLibrary(r.url(), r.token(), r.directory(), t.drives(), t.volumeCapacity().toBytes(),
                r.pollInterval(), r.timeout(), r.stageTimeout());
    }

    @Bean
    TapeArchive tapeArchive(TapeLibrary tapeLibrary, DrmsProperties properties, javax.sql.DataSource dataSource) {
        return new TapeArchive(tapeLibrary, properties.tape().slots(), properties.tape().volumeCapacity().toBytes(),
                dataSource);
    }

    private static boolean set(ConditionContext context, String property) {
        String v = context.getEnvironment().getProperty(property);
        return v != null && !v.isBlank();
    }

    /** {@code drms.tape.directory} or {@code drms.tape.remote.url} set (not blank). */
    static final class AnyLibrary extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return set(context, "drms.tape.directory") || set(context, "drms.tape.remote.url")
                    ? ConditionOutcome.match("a tape library is configured")
                    : ConditionOutcome.noMatch("neither drms.tape.directory nor drms.tape.remote.url is set");
        }
    }

    /** {@code drms.tape.directory} set: volumes are tar files here. */
    static final class TarLibrary extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return set(context, "drms.tape.directory") ? ConditionOutcome.match("drms.tape.directory is set")
                    : ConditionOutcome.noMatch("drms.tape.directory is not set");
        }
    }

    /** {@code drms.tape.remote.url} set and no {@code drms.tape.directory}: another site's server is the library. */
    static final class RemoteLibrary extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            // both set: DrmsProperties refuses it with the reason; no second library meanwhile
            return set(context, "drms.tape.remote.url") && !set(context, "drms.tape.directory")
                    ? ConditionOutcome.match("drms.tape.remote.url is set")
                    : ConditionOutcome.noMatch("drms.tape.remote.url is not set, or drms.tape.directory is");
        }
    }
}
