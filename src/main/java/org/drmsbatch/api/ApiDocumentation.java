package org.drmsbatch.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The API's own documentation on {@code drms serve}: the OpenAPI 3 document at {@value #API_DOCS} (springdoc builds
 * it from the controllers' mappings and their {@code @Tag}/{@code @Operation}/{@code @ApiResponse} annotations) and
 * Swagger UI browsing it at {@value #UI} (as MWA's FastAPI service offers {@code /docs}); both are reads, open or not
 * as {@code drms.security.open-reads} says.
 * <p>
 * What is the same for every endpoint is written here once, not on each controller:
 * <ul>
 * <li>the security schemes, {@value #API_TOKEN} (the API token as Bearer) and {@value #USER} (a drms user, HTTP
 * Basic), and each operation's requirement: changes need one of them; reads also take none (open reads);</li>
 * <li>the error bodies: one {@value #PROBLEM} schema (RFC 9457 problem JSON, with its extension members) for every
 * 4xx/5xx answer, except on MWA's staging paths ({@link MwaStagingController#serves}), whose errors are
 * {@value #MWA_ERROR} ({@code {"errormsg": …}}) as MWA's clients read them;</li>
 * <li>the standard refusals, added to every operation that can give them: 401 (no or wrong credentials) everywhere
 * but the open WLCG discovery document; 403 (too small a role) on every change; 400 (bad input) where the operation
 * takes query or header parameters, a typed path variable or a required body; 404 (unknown name or id) where the
 * path has a variable, except PUT (which creates what it names). JSOC's CGIs ({@value #JSOC}) answer their errors
 * with HTTP 200 and JSOC's {@code status}, so they get only the security refusals. A controller declares with
 * {@code @ApiResponse} what is particular to it (409 and its meaning, a 404 named by a query parameter, a
 * description of its own); the schema of its error answers is still set here.</li>
 * </ul>
 * The paths that are not REST endpoints are left out of the document only through {@link #UNDOCUMENTED}, the one list
 * of them ({@code ApiDocumentationTest} checks every other mapping of the application is documented).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class ApiDocumentation {

    /** The OpenAPI document (JSON; {@code /v3/api-docs.yaml} as YAML): {@code springdoc.api-docs.path}. */
    public static final String API_DOCS = "/v3/api-docs";
    /** Swagger UI: {@code springdoc.swagger-ui.path}; it redirects to the UI's page under /swagger-ui/. */
    public static final String UI = "/docs";

    /** The shared error schema: RFC 9457 problem JSON. */
    public static final String PROBLEM = "Problem";
    /** The error schema of MWA's staging paths: {@code {"errormsg": "…"}}. */
    public static final String MWA_ERROR = "MwaError";
    /** The security scheme of the API token ({@code Authorization: Bearer <token>}). */
    public static final String API_TOKEN = "apiToken";
    /** The security scheme of drms users ({@code drms.security.users}, HTTP Basic). */
    public static final String USER = "drmsUser";

    /** The JSOC CGIs' path prefix: answers HTTP 200 with JSOC's status, errors included. */
    static final String JSOC = "/cgi-bin/ajax/";

    /**
     * The paths served by the application that the document leaves out, on purpose, with why: the only way to leave
     * a mapping undocumented. Patterns as Spring MVC writes them ({@code /**} for everything below).
     */
    public static final Map<String, String> UNDOCUMENTED = undocumented();

    private static Map<String, String> undocumented() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("/download/**", "file serving (DownloadConfiguration; the path of drms.export.download-url, /download/ "
                + "by default): the exported and stored files themselves, named by the paths the JSOC, WLCG and "
                + "upload answers give");
        m.put("/status/**", "the status site (api/site): HTML pages for people, over the same reads as the API");
        m.put("/actuator/**", "Spring Boot Actuator: health and metrics, described by GET /actuator itself");
        return m;
    }

    private static final List<PathPattern> UNDOCUMENTED_PATTERNS = UNDOCUMENTED.keySet().stream()
            .map(PathPatternParser.defaultInstance::parse).toList();

    /** Whether a path (a pattern as mapped, or a request path) is one of {@link #UNDOCUMENTED}. */
    public static boolean undocumented(String path) {
        PathContainer p = PathContainer.parsePath(path);
        return UNDOCUMENTED_PATTERNS.stream().anyMatch(u -> u.matches(p));
    }

    @Bean
    OpenAPI drmsOpenApi() {
        String version = ApiDocumentation.class.getPackage().getImplementationVersion();
        return new OpenAPI()
                .info(new Info().title("drms-batch API").version(version == null ? "dev" : version)
                        .description("""
                                The HTTP API of `drms serve`: job control, schedules, record status, native staging, \
                                the glitchflow data buffer, MWA's staging service, the WLCG Tape REST API, tape \
                                uploads and JSOC's CGIs.

                                **Security.** Changes (any method but GET/HEAD) need the role *operate* (`…/recover`: \
                                *admin*), with the API token (`Authorization: Bearer …`, scheme `apiToken`) or a drms \
                                user (HTTP Basic, scheme `drmsUser`). Reads are open unless \
                                `drms.security.open-reads=false` (then they need *read*). The JSOC CGIs follow \
                                `drms.security.jsoc.*`; the WLCG discovery document is open to anyone.

                                **Errors** are RFC 9457 problem JSON (`Problem`): 400 bad input, saying what and \
                                where; 401 no or wrong credentials; 403 a role too small; 404 unknown name or id; 409 \
                                a state that does not allow it. MWA's staging paths answer `{"errormsg": …}` \
                                (`MwaError`); JSOC's CGIs answer HTTP 200 with JSOC's `status` and `error`.

                                **Not in this document:** """ + notDocumented()))
                .components(new Components()
                        .addSecuritySchemes(API_TOKEN, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("The API token (drms.security.token or "
                                        + "<home>/api-token): every role"))
                        .addSecuritySchemes(USER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("basic").description("A drms user (drms.security.users) with its roles")));
    }

    private static String notDocumented() {
        StringBuilder b = new StringBuilder();
        UNDOCUMENTED.forEach((path, why) -> b.append("`").append(path).append("`: ").append(why).append("; "));
        return b.substring(0, b.length() - 2) + ".";
    }

    /** RFC 9457 problem details, as Spring's ProblemDetail writes them (extension members at the top level). */
    @SuppressWarnings("rawtypes")
    private static Schema<?> problemSchema() {
        Schema<Object> s = new ObjectSchema();
        s.description("RFC 9457 (7807) problem details. Extension members sit beside the standard ones: "
                + "executionId (a job launch refused because its job instance runs or completed), pointer, line and "
                + "column (an invalid buffer chunk), holders (a buffer in use).");
        s.addProperty("type", new StringSchema().format("uri").description("the problem type; about:blank when "
                + "only the status says it").example("about:blank"));
        s.addProperty("title", new StringSchema().description("a short summary of the problem type")
                .example("Not found"));
        s.addProperty("status", new IntegerSchema().description("the HTTP status").example(404));
        s.addProperty("detail", new StringSchema().description("what went wrong with this request, and where")
                .example("no job named 'colect' (jobs: collect, export, …)"));
        s.addProperty("instance", new StringSchema().format("uri-reference").description("the request's path")
                .example("/api/jobs/colect"));
        s.additionalProperties(Boolean.TRUE);
        s.addRequiredItem("title");
        s.addRequiredItem("status");
        return (Schema) s;
    }

    /** The shared parts of every operation: security requirements, standard refusals, error schemas. */
    @Bean
    OpenApiCustomizer drmsOperationDefaults() {
        return api -> {
            // added here, after springdoc dropped the schemas no operation referred to yet
            api.getComponents().addSchemas(PROBLEM, problemSchema()).addSchemas(MWA_ERROR, new ObjectSchema()
                    .description("An error of MWA's staging paths, as MWA answers it")
                    .addProperty("errormsg", new StringSchema().description("what went wrong"))
                    .addRequiredItem("errormsg"));
            api.getPaths().keySet().removeIf(ApiDocumentation::undocumented);
            api.getPaths().forEach((path, item) -> item.readOperationsMap()
                    .forEach((method, operation) -> complete(path, method, operation)));
        };
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation op) {
        if (op.getResponses() == null) {
            op.setResponses(new ApiResponses());
        }
        ApiResponses responses = op.getResponses();
        boolean jsoc = path.startsWith(JSOC);
        boolean reading = method == PathItem.HttpMethod.GET || method == PathItem.HttpMethod.HEAD || jsoc;
        if (path.equals(WlcgTapeController.WELL_KNOWN)) {
            op.setSecurity(List.of()); // open to anyone, whatever credentials come with it: no refusal either
        } else {
            List<SecurityRequirement> security = new ArrayList<>();
            if (reading) {
                security.add(new SecurityRequirement()); // none: open reads (drms.security.open-reads)
            }
            security.add(new SecurityRequirement().addList(API_TOKEN));
            security.add(new SecurityRequirement().addList(USER));
            op.setSecurity(security);
            standard(responses, "401", "No credentials where they are needed, or wrong ones (WWW-Authenticate "
                    + "names Bearer and Basic)");
            if (!reading) {
                standard(responses, "403", "The credentials are right but their roles do not include operate");
            }
            if (!jsoc) {
                List<Parameter> params = op.getParameters() == null ? List.of() : op.getParameters();
                boolean input = params.stream().anyMatch(p -> !"path".equals(p.getIn()) || typed(p.getSchema()))
                        || (op.getRequestBody() != null && Boolean.TRUE.equals(op.getRequestBody().getRequired()));
                if (input) {
                    standard(responses, "400", "Bad input: the answer says what is wrong and where");
                }
                if (path.contains("{") && method != PathItem.HttpMethod.PUT) {
                    standard(responses, "404", "Nothing is known by the name or id in the path");
                }
            }
        }
        if (op.getParameters() != null) {
            for (Parameter p : op.getParameters()) {
                if ("query".equals(p.getIn()) && p.getSchema() != null
                        && p.getSchema().getAdditionalProperties() != null) {
                    // a @RequestParam Map: any query parameters, none needed (Spring never refuses it as missing)
                    p.required(false).style(Parameter.StyleEnum.FORM).explode(true);
                }
            }
        }
        boolean mwa = MwaStagingController.serves(path);
        responses.forEach((code, response) -> {
            if (code.length() == 3 && (code.charAt(0) == '4' || code.charAt(0) == '5')) {
                response.setContent(new Content().addMediaType(
                        mwa ? org.springframework.http.MediaType.APPLICATION_JSON_VALUE
                                : org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/"
                                + (mwa ? MWA_ERROR : PROBLEM)))));
            }
        });
    }

    /** A path variable that is not any text (a number): a malformed one is a 400. */
    private static boolean typed(Schema<?> schema) {
        if (schema == null) {
            return false;
        }
        String type = schema.getType(); // OpenAPI 3.0; 3.1 has a set of types
        if (type == null && schema.getTypes() != null && schema.getTypes().size() == 1) {
            type = schema.getTypes().iterator().next();
        }
        return type != null && !"string".equals(type);
    }

    private static void standard(ApiResponses responses, String code, String description) {
        if (!responses.containsKey(code)) {
            responses.addApiResponse(code, new ApiResponse().description(description));
        }
    }
}
