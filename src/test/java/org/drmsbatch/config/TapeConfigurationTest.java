package org.drmsbatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import javax.sql.DataSource;

import org.drmsbatch.sums.tape.RemoteTapeLibrary;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Which tape library {@code drms.tape.*} makes: a tar library for {@code directory}, a remote one for
 * {@code remote.url} (its settings and the labels' directory under the home), none without either, and both set
 * refused with a message saying so. An http URL to another host is refused too: the token would travel in clear.
 */
class TapeConfigurationTest {

    @TempDir
    Path home;

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(DrmsProperties.class)
    static class Properties {
    }

    ApplicationContextRunner runner() {
        return new ApplicationContextRunner().withUserConfiguration(Properties.class, TapeConfiguration.class)
                .withBean(DataSource.class, SimpleDriverDataSource::new)
                .withPropertyValues("drms.home=" + home);
    }

    @Test
    void aRemoteUrlMakesARemoteLibraryWithItsSettings() {
        runner().withPropertyValues("drms.tape.remote.url=http://127.0.0.1:8081/", "drms.tape.remote.token=t0k3n",
                        "drms.tape.remote.poll-interval=250ms", "drms.tape.drives=3")
                .run(c -> {
                    assertThat(c).hasSingleBean(RemoteTapeLibrary.class).doesNotHaveBean(TarTapeLibrary.class);
                    RemoteTapeLibrary lib = c.getBean(RemoteTapeLibrary.class);
                    assertThat(c.getBean(TapeArchive.class).library()).isSameAs(lib);
                    assertThat(lib.url()).hasToString("http://127.0.0.1:8081");
                    assertThat(lib.drives()).isEqualTo(3);
                    DrmsProperties p = c.getBean(DrmsProperties.class);
                    assertThat(p.tapes()).isTrue();
                    assertThat(p.tape().remote().pollInterval()).isEqualTo(Duration.ofMillis(250));
                    assertThat(p.tape().remote().timeout()).isEqualTo(Duration.ofMinutes(10));
                    assertThat(p.tape().remote().directory()).isEqualTo(home.resolve("tape-remote"));
                    assertThat(p.tape().remote().toString()).doesNotContain("t0k3n");
                });
    }

    @Test
    void aDirectoryMakesATarLibraryAndNeitherMakesNone() {
        runner().withPropertyValues("drms.tape.directory=tape").run(c -> {
            assertThat(c).hasSingleBean(TarTapeLibrary.class).doesNotHaveBean(RemoteTapeLibrary.class);
            assertThat(c.getBean(TarTapeLibrary.class).directory()).isEqualTo(home.resolve("tape"));
        });
        runner().run(c -> {
            assertThat(c).doesNotHaveBean(TapeLibrary.class).doesNotHaveBean(TapeArchive.class);
            assertThat(c.getBean(DrmsProperties.class).tapes()).isFalse();
        });
        runner().withPropertyValues("drms.tape.remote.url=").run(c -> assertThat(c).doesNotHaveBean(TapeLibrary.class));
    }

    @Test
    void bothAreRefusedSayingWhy() {
        runner().withPropertyValues("drms.tape.directory=tape", "drms.tape.remote.url=https://b.example.org")
                .run(c -> assertThat(c).hasFailed().getFailure().rootCause().hasMessageContaining(
                        "drms.tape.directory (tape) and drms.tape.remote.url (https://b.example.org) are both set:"
                        + " the tape library is either this site's own (directory) or another site's server"
                        + " (remote.url), not both"));
    }

    @Test
    void plainHttpToAnotherHostIsRefused() {
        runner().withPropertyValues("drms.tape.remote.url=http://b.example.org:8080")
                .run(c -> assertThat(c).hasFailed().getFailure().rootCause().hasMessageContaining(
                        "would send the API token in clear over the network: use https"));
    }
}
