package org.drmsbatch.staging;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Where a callback may go: an {@code http} or {@code https} URL without user information whose host is on the
 * allow-list ({@code drms.staging.callback-hosts}). Checked when a request is taken and again before each delivery,
 * so nothing else is ever called, whatever a request says.
 */
public final class CallbackTarget {

    private CallbackTarget() {
    }

    /** The URL as a URI when it may be called; a {@link StagingException} saying why not otherwise. */
    public static URI check(String url, List<String> allowedHosts) {
        if (url == null || url.isBlank()) {
            throw new StagingException("notify_url is required");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new StagingException("notify_url is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new StagingException("notify_url must be an http or https URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new StagingException("notify_url must not carry credentials");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new StagingException("notify_url has no host");
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (!allowedHosts.contains(h)) {
            throw new StagingException("notify_url's host " + host + " is not one callbacks may go to"
                    + " (drms.staging.callback-hosts)");
        }
        return uri;
    }
}
