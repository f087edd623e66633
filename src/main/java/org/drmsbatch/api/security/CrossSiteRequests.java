package org.drmsbatch.api.security;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request that changes something (any method but GET, HEAD, OPTIONS) when a browser says it comes from
 * another site: its {@code Origin} is not this server's own ({@code scheme://host:port} as the request reached
 * it), or its {@code Sec-Fetch-Site} is {@code cross-site} or {@code same-site}. The API keeps no session and sets no
 * cookie, but a browser that has logged in with HTTP Basic (when reads are closed, the pages ask for it) sends those
 * credentials with any request to this server, a form another site submits included; this stops such a forged request
 * (403 problem JSON, before the credentials are looked at). Scripts, the Airflow client, gfal2, curl send neither
 * header and are not concerned; the status site's own buttons come from this server's origin. Behind a reverse proxy
 * that rewrites the Host, let the server see the public one ({@code server.forward-headers-strategy=framework}).
 */
final class CrossSiteRequests extends OncePerRequestFilter {

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String refusal = SAFE.contains(request.getMethod().toUpperCase(Locale.ROOT)) ? null : refusal(request);
        if (refusal != null) {
            SecurityProblems.write(request, response, HttpServletResponse.SC_FORBIDDEN, "Forbidden", refusal);
            return;
        }
        chain.doFilter(request, response);
    }

    /** Why the request is refused as cross-site, or null when it is not. */
    static String refusal(HttpServletRequest request) {
        String fetchSite = request.getHeader("Sec-Fetch-Site");
        if (fetchSite != null
                && (fetchSite.equalsIgnoreCase("cross-site") || fetchSite.equalsIgnoreCase("same-site"))) {
            return "a " + request.getMethod() + " from another site (Sec-Fetch-Site: " + fetchSite + ") is refused";
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return null;
        }
        if (!own(request).equals(normalized(origin))) {
            return "a " + request.getMethod() + " from another origin (" + origin + ") is refused";
        }
        return null;
    }

    /** This server's origin as the request reached it. */
    private static String own(HttpServletRequest request) {
        return origin(request.getScheme(), request.getServerName(), request.getServerPort());
    }

    private static String normalized(String origin) {
        try {
            URI u = URI.create(origin.trim());
            if (u.getScheme() == null || u.getHost() == null) {
                return "(opaque)";
            }
            return origin(u.getScheme(), u.getHost(), u.getPort());
        } catch (IllegalArgumentException e) {
            return "(bad)";
        }
    }

    private static String origin(String scheme, String host, int port) {
        String s = scheme.toLowerCase(Locale.ROOT);
        int p = port > 0 ? port : s.equals("https") ? 443 : 80;
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return s + "://" + h + ":" + p;
    }
}
