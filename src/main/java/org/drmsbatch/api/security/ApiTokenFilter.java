package org.drmsbatch.api.security;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.drmsbatch.config.ApiToken;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <token>} against the API token: the right token is the principal
 * {@value #PRINCIPAL} with every role; a wrong one is answered 401 at once (no other scheme is tried). Other
 * requests pass on untouched (HTTP Basic, or anonymous).
 */
final class ApiTokenFilter extends OncePerRequestFilter {

    /** The principal name of requests authenticated by the API token. */
    static final String PRINCIPAL = "api-token";

    private final ApiToken token;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    ApiTokenFilter(ApiToken token) {
        this.token = token;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            chain.doFilter(request, response);
            return;
        }
        if (!token.matches(header.substring(7).strip())) {
            SecurityProblems.unauthorized(request, response, "the bearer token is not this server's API token");
            return;
        }
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(PRINCIPAL, null,
                List.of(new SimpleGrantedAuthority("ROLE_" + DrmsSecurityProperties.Role.ADMIN))));
        contexts.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            contexts.clearContext();
        }
    }
}
