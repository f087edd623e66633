package org.drmsbatch.api.security;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.drmsbatch.api.MwaStagingController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * 401 and 403 as problem JSON (RFC 9457), like every other refusal of the API: 401 (with {@code WWW-Authenticate}
 * naming both schemes) when credentials are missing or wrong, 403 when they are right but their roles do not reach
 * the endpoint's. The detail says which role is needed; it never repeats what was sent. On MWA's staging paths
 * ({@link MwaStagingController}) the same text is MWA's error body, {@code {"errormsg": "<title>: <detail>"}}.
 */
public final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

    static final String CHALLENGE = "Bearer realm=\"drms\", Basic realm=\"drms\"";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        String detail;
        if (e instanceof MissingCredentials) {
            detail = e.getMessage();
        } else if (e instanceof org.springframework.security.authentication.InsufficientAuthenticationException) {
            detail = request.getMethod() + " " + request.getRequestURI() + " needs credentials: the API token "
                    + "(Authorization: Bearer …) or a user's (HTTP Basic)";
        } else {
            detail = "the credentials are not valid";
        }
        unauthorized(request, response, detail);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        write(request, response, HttpServletResponse.SC_FORBIDDEN, "Forbidden",
                e instanceof RoleMissing ? e.getMessage() : "your roles do not allow " + request.getMethod() + " "
                        + request.getRequestURI());
    }

    static void unauthorized(HttpServletRequest request, HttpServletResponse response, String detail)
            throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
        write(request, response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized", detail);
    }

    static void write(HttpServletRequest request, HttpServletResponse response, int status, String title,
            String detail) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        if (MwaStagingController.serves(request.getRequestURI().substring(request.getContextPath().length()))) {
            // MWA's paths answer every error as {"errormsg": "…"}, their clients read nothing else
            response.setStatus(status);
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.getOutputStream().write(JSON.writeValueAsBytes(Map.of("errormsg", title + ": " + detail)));
            return;
        }
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(JSON.writeValueAsBytes(problem));
    }

    /** No credentials were sent where they are needed. */
    static final class MissingCredentials extends AuthenticationException {
        MissingCredentials(String message) {
            super(message);
        }
    }

    /** The credentials are right but lack the role. */
    static final class RoleMissing extends AccessDeniedException {
        RoleMissing(String message) {
            super(message);
        }
    }
}
