package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.JobTests;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The API documentation over a real socket, with reads closed ({@code drms.security.open-reads=false}): the OpenAPI
 * document and Swagger UI need the role read; the UI's page, its script and its configuration load; and the document
 * lists every mapping of the application's own controllers, read from the application's handler mappings (so a new
 * endpoint without documentation fails here, named), each with a summary and its error answers in the shared
 * problem schema, and it is structurally sound (OpenAPI 3.x, every {@code $ref} resolves). The document fetched is
 * left in target/openapi.json to look at.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.open-reads=false",
        "drms.security.token=docs-test-token-0123456789"})
class ApiDocumentationTest {

    static final Path HOME = JobTests.newHome("drms-docs-test");
    static final String READER = "reader";
    static final String SECRET = "reader-secret-passphrase";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Pattern VARIABLE = Pattern.compile("\\{[^}]*}");
    /** The members of a path item that are operations. */
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.security.users." + READER + ".password",
                () -> "{bcrypt}" + new BCryptPasswordEncoder(4).encode(SECRET));
        registry.add("drms.security.users." + READER + ".roles", () -> "read");
    }

    @LocalServerPort
    int port;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port).resolve(path))
                .timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String reader() {
        return "Basic " + Base64.getEncoder().encodeToString((READER + ":" + SECRET)
                .getBytes(StandardCharsets.UTF_8));
    }

    JsonNode document() throws Exception {
        HttpResponse<String> r = get(ApiDocumentation.API_DOCS, reader());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/json"));
        Files.writeString(Path.of("target", "openapi.json"), r.body()); // to look at after a run
        return JSON.readTree(r.body());
    }

    @Test
    void theDocumentAndTheUiAreReadsThatNeedTheRoleReadWhenReadsAreClosed() throws Exception {
        for (String path : List.of(ApiDocumentation.API_DOCS, ApiDocumentation.UI, "/swagger-ui/index.html")) {
            HttpResponse<String> none = get(path, null);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(none.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(none.body()).get("detail").asString()).contains("needs credentials");
            assertThat(get(path, "Basic " + Base64.getEncoder().encodeToString("reader:wrong".getBytes(
                    StandardCharsets.UTF_8))).statusCode()).as(path).isEqualTo(401);
            assertThat(get(path, "Bearer not-the-token-at-all").statusCode()).as(path).isEqualTo(401);
        }
        assertThat(get(ApiDocumentation.API_DOCS, "Bearer docs-test-token-0123456789").statusCode()).isEqualTo(200);
    }

    @Test
    void docsLeadsToSwaggerUiWhosePageScriptAndConfigurationLoad() throws Exception {
        HttpResponse<String> docs = get(ApiDocumentation.UI, reader());
        assertThat(docs.statusCode()).isEqualTo(302);
        String page = docs.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> html = get(page, reader());
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(html.body()).contains("<div id=\"swagger-ui\">");

        // every script the page names loads, the UI's bundle among them
        URI base = URI.create("http://127.0.0.1:" + port).resolve(page);
        Matcher scripts = Pattern.compile("<script src=\"([^\"]+)\"").matcher(html.body());
        List<String> loaded = new ArrayList<>();
        while (scripts.find()) {
            HttpResponse<String> js = get(base.resolve(scripts.group(1)).toString(), reader());
            assertThat(js.statusCode()).as(scripts.group(1)).isEqualTo(200);
            assertThat(js.headers().firstValue("Content-Type").orElseThrow()).as(scripts.group(1))
                    .contains("javascript");
            loaded.add(scripts.group(1));
        }
        assertThat(loaded).anyMatch(s -> s.contains("swagger-ui-bundle.js"));

        // the same document as YAML
        HttpResponse<String> yaml = get(ApiDocumentation.API_DOCS + ".yaml", reader());
        assertThat(yaml.statusCode()).isEqualTo(200);
        assertThat(yaml.body()).startsWith("openapi: 3.").contains("title: drms-batch API");

        // the UI's configuration points it at our document
        HttpResponse<String> config = get(ApiDocumentation.API_DOCS + "/swagger-config", reader());
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(config.body()).get("url").asString()).isEqualTo(ApiDocumentation.API_DOCS);
    }

    @Test
    void theDocumentListsEveryMappingOfTheApplicationsControllers() throws Exception {
        Set<String> documented = operations(document());
        Set<String> mapped = applicationMappings();
        assertThat(mapped).as("the application's own mappings (sanity: the scan found the controllers)")
                .contains("GET /api/jobs", "POST /api/jobs/{}", "PUT /api/tape/v1/upload/{}/{}",
                        "GET /cgi-bin/ajax/jsoc_info", "POST /staging/");
        Set<String> missing = new TreeSet<>(mapped);
        missing.removeAll(documented);
        assertThat(missing).as("controller mappings missing from " + ApiDocumentation.API_DOCS
                + " (document them, or list them in ApiDocumentation.UNDOCUMENTED with why)").isEmpty();
    }

    @Test
    void theComparisonNamesAMappingTheDocumentLacks() throws Exception {
        JsonNode doc = document();
        ((ObjectNode) doc.get("paths")).remove("/api/jobs/executions/{id}/stop");
        Set<String> missing = new TreeSet<>(applicationMappings());
        missing.removeAll(operations(doc));
        assertThat(missing).containsExactly("POST /api/jobs/executions/{}/stop");
    }

    @Test
    void everyOperationHasASummaryATagASuccessAndItsErrorsInTheSharedProblemSchema() throws Exception {
        JsonNode doc = document();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                String name = op.getKey().toUpperCase() + " " + path.getKey();
                JsonNode o = op.getValue();
                if (!o.hasNonNull("summary") || o.get("summary").asString().isBlank()) {
                    problems.add(name + ": no summary (@Operation(summary = …))");
                }
                if (o.path("tags").isEmpty() || o.path("tags").get(0).asString().endsWith("-controller")) {
                    problems.add(name + ": no tag (@Tag on its controller)");
                }
                if (names(o.get("responses")).stream().noneMatch(code -> code.matches("2\\d\\d"))) {
                    problems.add(name + ": no success answer (2xx)");
                }
                int errors = 0;
                for (Map.Entry<String, JsonNode> response : o.get("responses").properties()) {
                    if (!response.getKey().matches("[45]\\d\\d")) {
                        continue;
                    }
                    errors++;
                    String expected = MwaStagingController.serves(path.getKey()) ? ApiDocumentation.MWA_ERROR
                            : ApiDocumentation.PROBLEM;
                    JsonNode content = response.getValue().path("content");
                    String ref = content.size() != 1 ? null
                            : content.iterator().next().path("schema").path("$ref").asString();
                    if (!("#/components/schemas/" + expected).equals(ref)) {
                        problems.add(name + " " + response.getKey() + ": not the " + expected + " schema: "
                                + content);
                    }
                }
                if (errors == 0 && !path.getKey().equals(WlcgTapeController.WELL_KNOWN)) {
                    problems.add(name + ": no error answer");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theDocumentIsOpenApi3WithResolvingReferencesAndBothSecuritySchemes() throws Exception {
        JsonNode doc = document();
        assertThat(doc.get("openapi").asString()).startsWith("3.");
        assertThat(doc.get("info").get("title").asString()).isEqualTo("drms-batch API");
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).contains("#/components/schemas/" + ApiDocumentation.PROBLEM,
                "#/components/schemas/" + ApiDocumentation.MWA_ERROR);
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as("$ref " + ref + " resolves").isFalse();
        }
        JsonNode problem = doc.at("/components/schemas/" + ApiDocumentation.PROBLEM + "/properties");
        assertThat(names(problem)).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance");

        JsonNode schemes = doc.get("components").get("securitySchemes");
        assertThat(schemes.get(ApiDocumentation.API_TOKEN).get("scheme").asString()).isEqualTo("bearer");
        assertThat(schemes.get(ApiDocumentation.USER).get("scheme").asString()).isEqualTo("basic");
        // a change needs credentials; a read may go without (open reads); discovery is open to anyone
        assertThat(doc.at("/paths/~1api~1jobs~1{name}/post/security").toString())
                .isEqualTo("[{\"apiToken\":[]},{\"drmsUser\":[]}]");
        assertThat(doc.at("/paths/~1api~1jobs~1{name}/get/security").toString())
                .isEqualTo("[{},{\"apiToken\":[]},{\"drmsUser\":[]}]");
        assertThat(doc.at("/paths/~1.well-known~1wlcg-tape-rest-api/get/security").toString()).isEqualTo("[]");
        // job parameters as query parameters: any, none needed
        JsonNode query = doc.at("/paths/~1api~1jobs~1{name}/post/parameters/1");
        assertThat(query.get("name").asString()).isEqualTo("query");
        assertThat(query.get("required").asBoolean()).isFalse();
        // JSOC's CGIs name their parameters
        assertThat(doc.at("/paths/~1cgi-bin~1ajax~1jsoc_info/get/parameters").findValuesAsString("name"))
                .containsExactly("op", "ds", "key", "seg", "link", "n", "R");
    }

    // ---- helpers ----

    /** "METHOD /path/{}" for each operation of the document, path variables normalised. */
    static Set<String> operations(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (String method : names(path.getValue())) {
                if (METHODS.contains(method)) {
                    out.add(method.toUpperCase() + " " + normalise(path.getKey()));
                }
            }
        }
        return out;
    }

    /**
     * "METHOD /path/{}" for each mapping of the application's own controllers (org.drmsbatch; not Spring's error
     * controller nor springdoc's), but those ApiDocumentation.UNDOCUMENTED leaves out. A mapping of no method is
     * every method, of which the document must then have GET.
     */
    Set<String> applicationMappings() {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mappings.getHandlerMethods().entrySet()) {
            if (!e.getValue().getBeanType().getPackageName().startsWith("org.drmsbatch")) {
                continue;
            }
            Set<RequestMethod> methods = e.getKey().getMethodsCondition().getMethods();
            for (String pattern : e.getKey().getPatternValues()) {
                if (ApiDocumentation.undocumented(pattern)) {
                    continue;
                }
                for (RequestMethod m : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                    out.add(m.name() + " " + normalise(pattern));
                }
            }
        }
        return out;
    }

    static String normalise(String pattern) {
        return VARIABLE.matcher(pattern).replaceAll("{}");
    }

    static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            out.add(e.getKey());
        }
        return out;
    }


    static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("$ref") && e.getValue().isString()) {
                    refs.add(e.getValue().asString());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode n : node) {
                collectRefs(n, refs);
            }
        }
    }
}
