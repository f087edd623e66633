package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.JobTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A server started with the product configuration alone (no test configuration switched on): the test hooks'
 * job parameters are unknown to it, it serves no file through a symbolic link that leads out of its download
 * roots, and its API documentation ({@code /docs}, {@code /v3/api-docs}) is open like the other reads.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.security.token=test-token-0123456789"})
class ProductServerTest {

    static final Path HOME = JobTests.newHome("drms-product-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer test-token-0123456789");
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "collect | {\"run\": \"r1\", \"failAt\": \"1\"}                 | failAt",
            "collect | {\"run\": \"r2\", \"delay\": \"1000\"}               | delay",
            "rescale | {\"ds\": \"no.such[]\", \"failAt\": \"1\"}           | failAt",
            "rescale | {\"ds\": \"no.such[]\", \"delay\": \"1000\"}         | delay",
            "export  | {\"ds\": \"no.such[]\", \"delay\": \"1000\"}         | delay",
            "export  | {\"ds\": \"no.such[]\", \"failAt\": \"1\"}           | failAt"})
    void theTestHooksParametersAreUnknownToTheProduct(String job, String body, String name) throws Exception {
        HttpResponse<String> r = send("POST", "/api/jobs/" + job, body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode problem = json.readTree(r.body());
        String detail = problem.get("detail").asString();
        assertThat(detail).contains("unknown parameter(s) " + name + " (this job takes ");
        assertThat(detail.substring(detail.indexOf("this job takes"))).doesNotContain("failAt").doesNotContain("delay");
    }

    @Test
    void theApiDocumentationIsAnOpenReadByDefault() throws Exception {
        HttpClient anonymous = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpResponse<String> ui = anonymous.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + ApiDocumentation.UI)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.uri().getPath()).isEqualTo("/swagger-ui/index.html");
        HttpResponse<String> doc = anonymous.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + ApiDocumentation.API_DOCS)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(doc.statusCode()).isEqualTo(200);
        assertThat(json.readTree(doc.body()).get("paths").has("/api/jobs/{name}")).isTrue();
    }

    @Test
    void aSymbolicLinkLeadingOutOfAnExportDirectoryIsNotServed() throws Exception {
        Path dir = Files.createDirectories(HOME.resolve("exports").resolve("JSOC_20261205_000001"));
        Files.writeString(dir.resolve("a.txt"), "exported\n");
        Path outside = Files.writeString(Files.createTempDirectory("drms-outside").resolve("secret.txt"),
                "s3cret-content\n");
        Files.createSymbolicLink(dir.resolve("secret.txt"), outside);
        Files.createSymbolicLink(dir.resolve("root"), Path.of("/"));
        Files.createSymbolicLink(dir.resolve("outdir"), outside.getParent());
        Files.createSymbolicLink(dir.resolve("b.txt"), dir.resolve("a.txt")); // inside: fine

        String base = "/download/exports/JSOC_20261205_000001/";
        assertThat(send("GET", base + "a.txt", null).body()).isEqualTo("exported\n");
        assertThat(send("GET", base + "b.txt", null).body()).isEqualTo("exported\n");
        for (String path : new String[] {"secret.txt", "root/etc/passwd", "root/etc/hostname", "outdir/secret.txt",
                "root"}) {
            HttpResponse<String> r = send("GET", base + path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("s3cret-content").doesNotContain("root:");
        }
    }

    @Test
    void aSymbolicLinkLeadingOutOfAStorageUnitIsNotServed() throws Exception {
        Path slot = Files.createDirectories(HOME.resolve("sums/SUM0/D99999/S00000"));
        Files.writeString(slot.resolve("image.fits"), "stored\n");
        Path outside = Files.writeString(Files.createTempDirectory("drms-outside").resolve("secret.txt"),
                "s3cret-content\n");
        Files.createSymbolicLink(slot.resolve("other.fits"), outside);
        Files.createSymbolicLink(HOME.resolve("sums/SUM0/D99998"), Path.of("/"));

        assertThat(send("GET", "/download/sums/SUM0/D99999/S00000/image.fits", null).body()).isEqualTo("stored\n");
        for (String path : new String[] {"D99999/S00000/other.fits", "D99998/etc/passwd"}) {
            HttpResponse<String> r = send("GET", "/download/sums/SUM0/" + path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("s3cret-content").doesNotContain("root:");
        }
    }
}
