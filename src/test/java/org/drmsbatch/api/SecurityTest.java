package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.api.security.DrmsSecurityProperties;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.config.ApiToken;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The door of {@code drms serve}, over a real socket: every mutating endpoint refuses a request without
 * credentials (401) or with too small a role (403), as problem JSON; the API token and Basic users with hashed
 * secrets get in by role; {@code /train} takes glitchflow's user/token as credentials and keeps no token; reads
 * and the JSOC API are open by default and can be closed.
 */
class SecurityTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String READER = "alice";
    static final String OPERATOR = "bob";
    static final String ADMIN = "carol";
    static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder(4); // fast: tests log in many times

    static Path newHome() {
        try {
            return Files.createTempDirectory("drms-security-test");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void users(DynamicPropertyRegistry registry) {
        for (var u : Map.of(READER, "read", OPERATOR, "operate", ADMIN, "admin").entrySet()) {
            registry.add("drms.security.users." + u.getKey() + ".password",
                    () -> "{bcrypt}" + BCRYPT.encode(secret(u.getKey())));
            registry.add("drms.security.users." + u.getKey() + ".roles", u::getValue);
        }
    }

    static String secret(String user) {
        return user + "-secret-passphrase";
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    record Reply(int status, String contentType, String challenge, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    static Reply send(int port, String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.headers().firstValue("WWW-Authenticate").orElse(null), r.body());
    }

    static void assertProblem(Reply r, int status, String path) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("instance").asString()).isEqualTo(path.replaceAll("\\?.*", ""));
        assertThat(p.get("detail").asString()).isNotBlank();
        if (status == 401) {
            assertThat(r.challenge()).contains("Bearer").contains("Basic");
        }
    }

    /** The mutating endpoints of today's API (method, path, body). */
    static final List<String[]> MUTATING = List.of(
            new String[] {"POST", "/api/jobs/counting", "{\"key\": \"k\"}"},
            new String[] {"POST", "/api/jobs/executions/1/stop", null},
            new String[] {"POST", "/api/jobs/executions/1/restart", null},
            new String[] {"POST", "/api/jobs/executions/1/recover", null},
            new String[] {"POST", "/streamdata", "{\"h\": [1.0, 2.0], \"t\": [1.0, 0.5]}"},
            new String[] {"POST", "/train", "{\"user\": \"x\", \"token\": \"not-the-token\"}"},
            new String[] {"POST", "/cleanbuf", "{}"},
            new String[] {"PUT", "/api/jobs/counting", "{}"},
            new String[] {"DELETE", "/api/jobs/executions/1", null});

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "spring.main.web-application-type=servlet", "drms.test.counting-job=true",
            "drms.buffer.max-size=1B"})
    class ByDefault {

        static final Path HOME = newHome();

        @DynamicPropertySource
        static void properties(DynamicPropertyRegistry registry) {
            TestDatabase.register(registry, HOME);
            users(registry);
        }

        @LocalServerPort
        int port;
        @Autowired
        ApiToken token;
        @Autowired
        DataBuffer buffer;

        Reply send(String method, String path, String authorization, String body) throws Exception {
            return SecurityTest.send(port, method, path, authorization, body);
        }

        @Test
        void everyMutatingEndpointRefusesARequestWithoutOrWithWrongCredentials() throws Exception {
            for (String[] m : MUTATING) {
                assertProblem(send(m[0], m[1], null, m[2]), 401, m[1]);
                assertProblem(send(m[0], m[1], "Bearer " + token.value() + "x", m[2]), 401, m[1]);
                assertProblem(send(m[0], m[1], basic(OPERATOR, "wrong"), m[2]), 401, m[1]);
                assertProblem(send(m[0], m[1], basic("mallory", secret(OPERATOR)), m[2]), 401, m[1]);
            }
            assertThat(buffer.stats().files()).as("nothing was streamed").isZero();
            assertThat(send("GET", "/api/jobs/executions", null, null).json().size()).as("no job ran").isZero();
        }

        @Test
        void rolesDecide403ForTooSmallARoleAndTheTokenAndOperatorsGetIn() throws Exception {
            for (String[] m : MUTATING) {
                assertProblem(send(m[0], m[1], basic(READER, secret(READER)), m[2]), 403, m[1]);
            }
            String recover = "/api/jobs/executions/999999/recover";
            assertProblem(send("POST", recover, basic(OPERATOR, secret(OPERATOR)), null), 403, recover);
            // past the door: the endpoint's own answer (no such execution), not a refusal
            assertThat(send("POST", recover, basic(ADMIN, secret(ADMIN)), null).status()).isEqualTo(404);
            assertThat(send("POST", recover, token.bearer(), null).status()).isEqualTo(404);

            Reply started = send("POST", "/api/jobs/counting", basic(OPERATOR, secret(OPERATOR)),
                    "{\"key\": \"by-bob\", \"items\": \"3\"}");
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            Reply byToken = send("POST", "/api/jobs/counting", token.bearer(), "{\"key\": \"by-token\", \"items\": \"3\"}");
            assertThat(byToken.status()).as(byToken.body()).isEqualTo(202);
            Reply chunk = send("POST", "/streamdata", token.bearer(), "{\"h\": [1.0, 2.0], \"t\": [1.0, 0.5]}");
            assertThat(chunk.json().get("resp").asString()).as("past the door").isIn("CREATED", "FROZEN");
        }

        /** A POST with the operator's Basic credentials and the headers a browser adds. */
        Reply browserPost(String path, String body, String... headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body))
                    .header("Content-Type", "application/json")
                    .header("Authorization", basic(OPERATOR, secret(OPERATOR)));
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), null, r.body());
        }

        @Test
        void aChangeABrowserSaysComesFromAnotherSiteIsRefusedEvenWithCredentials() throws Exception {
            // a form another site submits, the browser adding the Basic credentials it keeps for this server
            Reply forged = browserPost("/api/jobs/counting", "{\"key\": \"forged\"}", "Origin", "http://evil.example");
            assertProblem(forged, 403, "/api/jobs/counting");
            assertThat(forged.json().get("detail").asString()).contains("another origin (http://evil.example)");
            Reply fetched = browserPost("/cleanbuf", "{}", "Sec-Fetch-Site", "cross-site");
            assertProblem(fetched, 403, "/cleanbuf");
            assertThat(fetched.json().get("detail").asString()).contains("Sec-Fetch-Site: cross-site");
            Reply otherPort = browserPost("/api/jobs/counting", "{\"key\": \"forged2\"}", "Origin",
                    "http://127.0.0.1:" + (port + 1));
            assertProblem(otherPort, 403, "/api/jobs/counting");
            assertThat(send("GET", "/api/jobs/executions?limit=1000", token.bearer(), null).body())
                    .as("no forged job ran").doesNotContain("forged");

            // the server's own pages (same origin) and scripts (no Origin) get past the door: the endpoint's own
            // answer (no such execution), not a refusal
            String stop = "/api/jobs/executions/999999/stop";
            Reply own = browserPost(stop, "{}", "Origin", "http://127.0.0.1:" + port, "Sec-Fetch-Site", "same-origin");
            assertThat(own.status()).as(own.body()).isEqualTo(404);
            Reply script = browserPost(stop, "{}");
            assertThat(script.status()).as(script.body()).isEqualTo(404);
        }

        @Test
        void readsAndTheJsocApiAreOpenByDefault() throws Exception {
            assertThat(send("GET", "/api/jobs/executions", null, null).status()).isEqualTo(200);
            assertThat(send("GET", "/stats", null, null).status()).isEqualTo(200);
            assertThat(send("GET", "/dspage", null, null).status()).isEqualTo(200);
            Reply info = send("GET", "/cgi-bin/ajax/show_series", null, null);
            assertThat(info.status()).isEqualTo(200);
            Reply export = send("GET", "/cgi-bin/ajax/jsoc_fetch?op=exp_request&ds=no.such%5B%5D"
                    + "&notify=a%40example.org&method=url&protocol=FITS&format=json", null, null);
            assertThat(export.status()).as("gated by the address check and the query, not the door")
                    .isEqualTo(200);
        }

        @Test
        void trainTakesGlitchflowsUserAndTokenAsCredentialsAndKeepsNoToken() throws Exception {
            Reply wrong = send("POST", "/train", null, "{\"user\": \"airflow\", \"token\": \"airflow\"}");
            assertProblem(wrong, 401, "/train");
            Reply reader = send("POST", "/train", null, "{\"user\": \"" + READER + "\", \"token\": \""
                    + secret(READER) + "\"}");
            assertThat(reader.status()).as(reader.body()).isIn(401, 403);

            send("POST", "/streamdata", token.bearer(), "{\"h\": [1.0, 2.0], \"t\": [1.0, 0.5]}");
            Reply byToken = send("POST", "/train", null, "{\"user\": \"airflow\", \"token\": \"" + token.value()
                    + "\"}");
            assertThat(byToken.status()).as(byToken.body()).isEqualTo(200);
            assertThat(byToken.json().get("resp").asString()).isEqualTo("FROZEN");
            assertThat(buffer.describe().user()).isEqualTo("airflow");
            Reply byUser = send("POST", "/train", null, "{\"user\": \"" + OPERATOR + "\", \"token\": \""
                    + secret(OPERATOR) + "\"}");
            assertThat(byUser.status()).as(byUser.body()).isEqualTo(200);
            assertThat(buffer.describe().user()).isEqualTo(OPERATOR);

            String page = send("GET", "/dspage", null, null).body();
            assertThat(page).contains(OPERATOR).doesNotContain(token.value()).doesNotContain(secret(OPERATOR))
                    .doesNotContain(HOME.toString());
            try (Stream<Path> files = Files.walk(buffer.directory())) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString())
                            .doesNotContain(token.value()).doesNotContain(secret(OPERATOR));
                }
            }
        }

        @Test
        void theGeneratedTokenIsKeptInTheHomeForItsOwnerOnly() throws Exception {
            Path file = HOME.resolve(ApiToken.FILE);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(Files.readString(file).strip()).isEqualTo(token.value()).hasSizeGreaterThanOrEqualTo(32);
            assertThat(token.toString()).doesNotContain(token.value());
            assertThat(ApiToken.kept(HOME).orElseThrow().value()).isEqualTo(token.value());
        }
    }

    @Nested
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
            "spring.main.web-application-type=servlet", "drms.security.open-reads=false",
            "drms.security.jsoc.open-reads=false", "drms.security.jsoc.open-exports=false",
            "drms.security.token=a-configured-token-of-some-length"})
    class Closed {

        static final Path HOME = newHome();

        @DynamicPropertySource
        static void properties(DynamicPropertyRegistry registry) {
            TestDatabase.register(registry, HOME);
            users(registry);
        }

        @LocalServerPort
        int port;

        @Test
        void closedReadsNeedTheRoleReadAndClosedExportsTheRoleOperate() throws Exception {
            for (String path : List.of("/api/jobs/executions", "/stats", "/dspage", "/cgi-bin/ajax/show_series",
                    "/cgi-bin/ajax/jsoc_info?op=series_struct&ds=x")) {
                assertProblem(send(port, "GET", path, null, null), 401, path);
                assertThat(send(port, "GET", path, basic(READER, secret(READER)), null).status()).as(path)
                        .isNotIn(401, 403);
            }
            String export = "/cgi-bin/ajax/jsoc_fetch?op=exp_request&ds=no.such%5B%5D&notify=a%40example.org";
            assertProblem(send(port, "GET", export, basic(READER, secret(READER)), null), 403, export);
            assertThat(send(port, "GET", export, basic(OPERATOR, secret(OPERATOR)), null).status()).isEqualTo(200);
            assertThat(send(port, "GET", "/stats", "Bearer a-configured-token-of-some-length", null).status())
                    .isEqualTo(200);
            assertThat(HOME.resolve(ApiToken.FILE)).as("a configured token is not written anywhere")
                    .doesNotExist();
        }

        @Test
        void theStatusSiteIsReadsClosedWithTheOthers() throws Exception {
            for (String path : List.of("/status", "/status/jobs", "/status/series", "/status/storage",
                    "/status/buffer", "/status/schedules")) {
                assertProblem(send(port, "GET", path, null, null), 401, path);
                Reply r = send(port, "GET", path, basic(READER, secret(READER)), null);
                assertThat(r.status()).as(path).isEqualTo(200);
                assertThat(r.contentType()).startsWith("text/html");
            }
            // its pages take no other method: a POST needs the operate role, and then finds nothing to do
            assertProblem(send(port, "POST", "/status/jobs", basic(READER, secret(READER)), null), 403,
                    "/status/jobs");
        }
    }

    @Test
    void plainTextPasswordsUnknownRolesAndShortTokensAreRefusedAtStart() {
        var plain = Map.of("dave", new DrmsSecurityProperties.User("{noop}hunter2", List.of("read")));
        assertThatThrownBy(() -> new DrmsSecurityProperties(null, plain, null, null))
                .hasMessageContaining("drms.security.users.dave.password must be a hashed secret")
                .hasMessageNotContaining("hunter2");
        var bare = Map.of("dave", new DrmsSecurityProperties.User("hunter2", List.of("read")));
        assertThatThrownBy(() -> new DrmsSecurityProperties(null, bare, null, null))
                .hasMessageNotContaining("hunter2");
        var role = Map.of("dave", new DrmsSecurityProperties.User("{bcrypt}" + BCRYPT.encode("x"),
                List.of("root")));
        assertThatThrownBy(() -> new DrmsSecurityProperties(null, role, null, null))
                .hasMessageContaining("unknown role 'root'");
        assertThatThrownBy(() -> ApiToken.resolve("short", newHome()))
                .hasMessageContaining("at least 16").hasMessageNotContaining("short");
    }
}
