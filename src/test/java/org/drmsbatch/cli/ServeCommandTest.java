package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.config.ApiToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drms serve} as a user starts it, in its own JVM: it listens on the loopback interface only unless told
 * otherwise, its banner says where, it prints where the API token is kept but never the token, and TLS is one
 * set of properties away.
 */
class ServeCommandTest {

    static final Pattern BANNER = Pattern.compile("drms: serving on (https?)://([^/]+):(\\d+)/ .*");

    @TempDir
    Path dir;

    record Served(ChildJvm jvm, String scheme, String host, int port, List<String> lines) {
    }

    /** Starts {@code drms [--set property=value...] serve --port 0 [serveArgs...]}. */
    Served serve(Path home, List<String> properties, String... serveArgs) throws Exception {
        List<String> all = new ArrayList<>(List.of("--home", home.toString(),
                "--set", "spring.datasource.url=" + TestDatabase.newDatabase(),
                "--set", "spring.datasource.username=" + TestDatabase.user()));
        properties.forEach(p -> all.addAll(List.of("--set", p)));
        all.addAll(List.of("serve", "--port", "0"));
        all.addAll(List.of(serveArgs));
        ChildJvm jvm = ChildJvm.start(DrmsCommand.class, dir.resolve("stderr-" + home.getFileName()),
                all.toArray(String[]::new));
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = jvm.lines().poll(120, TimeUnit.SECONDS);
            assertThat(line).as("drms serve printed %s; stderr: %s", lines, stderr(home)).isNotNull()
                    .isNotEqualTo(ChildJvm.EOF);
            lines.add(line);
            Matcher m = BANNER.matcher(line);
            if (m.matches()) {
                lines.add(jvm.lines().poll(30, TimeUnit.SECONDS)); // the token line
                return new Served(jvm, m.group(1), m.group(2), Integer.parseInt(m.group(3)), lines);
            }
        }
    }

    String stderr(Path home) throws IOException {
        Path f = dir.resolve("stderr-" + home.getFileName());
        return Files.exists(f) ? Files.readString(f) : "";
    }

    static void stop(ChildJvm jvm) throws InterruptedException {
        jvm.process().destroy(); // SIGTERM: the shutdown hook closes the server
        if (!jvm.process().waitFor(60, TimeUnit.SECONDS)) {
            jvm.process().destroyForcibly();
        }
    }

    /** An IPv4 address of this host that is not loopback, if it has one. */
    static Optional<InetAddress> otherAddress() throws IOException {
        for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (i.isUp() && !i.isLoopback()) {
                for (InetAddress a : Collections.list(i.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return Optional.of(a);
                    }
                }
            }
        }
        return Optional.empty();
    }

    static void connect(InetAddress address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 5000);
        }
    }

    @Test
    void listensOnLoopbackOnlySaysSoAndNeverPrintsTheToken() throws Exception {
        Path home = Files.createDirectory(dir.resolve("home"));
        Served s = serve(home, List.of());
        try {
            assertThat(s.scheme()).isEqualTo("http");
            assertThat(s.host()).isEqualTo("127.0.0.1");
            connect(InetAddress.getLoopbackAddress(), s.port());
            Optional<InetAddress> other = otherAddress();
            if (other.isPresent()) {
                assertThatThrownBy(() -> connect(other.get(), s.port()))
                        .as("%s:%d must not answer", other.get(), s.port()).isInstanceOf(ConnectException.class);
            }
            String token = ApiToken.kept(home).orElseThrow().value();
            assertThat(s.lines().get(s.lines().size() - 1)).contains("~/api-token").doesNotContain(token);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + s.port();
            // a refused and an accepted request: neither may put the token in the output
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/cleanbuf"))
                    .header("Authorization", "Bearer " + token + "-wrong")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).doesNotContain(token);
            HttpResponse<String> train = http.send(HttpRequest.newBuilder(URI.create(base + "/train"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"user\": \"op\", \"token\": \"" + token + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(train.statusCode()).as(train.body()).isEqualTo(200);
        } finally {
            stop(s.jvm());
        }
        List<String> rest = new ArrayList<>();
        s.jvm().lines().drainTo(rest);
        String token = ApiToken.kept(home).orElseThrow().value();
        assertThat(String.join("\n", s.lines()) + String.join("\n", rest) + stderr(home)).doesNotContain(token);
    }

    @Test
    void anAddressAndTlsAreConfigurationAway() throws Exception {
        Path home = Files.createDirectory(dir.resolve("tls-home"));
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "drms", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(out).isZero();

        Served s = serve(home, List.of("server.ssl.key-store=" + keystore, "server.ssl.key-store-password=changeit",
                "server.ssl.key-store-type=PKCS12"), "--address", "0.0.0.0");
        try {
            assertThat(s.scheme()).isEqualTo("https");
            assertThat(s.host()).isEqualTo("*");
            Optional<InetAddress> other = otherAddress();
            if (other.isPresent()) {
                connect(other.get(), s.port()); // every interface
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(keystore.toFile())) {
                trust.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> stats = https.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + s.port() + "/stats")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stats.statusCode()).isEqualTo(200);
            assertThat(stats.body()).contains("buff_size");
            int plain; // Tomcat answers plain HTTP on a TLS port with 400, or the connection fails
            try {
                plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + s.port() + "/stats")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (IOException e) {
                plain = -1;
            }
            assertThat(plain).as("no plain HTTP on a TLS port").isIn(-1, 400);
        } finally {
            stop(s.jvm());
        }
    }

    @Test
    void hashPasswordPrintsABcryptHashThatMatchesAndRefusesShortPasswords() {
        CommandRun r = CommandRun.run(List.of(), "correct horse battery\n", "hash-password");
        assertThat(r.code()).isZero();
        String hash = r.out().strip();
        assertThat(hash).startsWith("{bcrypt}$2").doesNotContain("correct horse");
        var encoder = org.springframework.security.crypto.factory.PasswordEncoderFactories
                .createDelegatingPasswordEncoder();
        assertThat(encoder.matches("correct horse battery", hash)).isTrue();
        assertThat(encoder.matches("correct horse", hash)).isFalse();
        CommandRun shortOne = CommandRun.run(List.of(), "abc\n", "hash-password");
        assertThat(shortOne.code()).isEqualTo(DrmsCommand.USER_ERROR);
        assertThat(shortOne.err()).contains("at least 8 characters");
    }
}
