package org.drmsbatch.api.site;

import java.util.Comparator;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The status site's pages ({@link StatusPage} beans, in their order) and the answer of a page: the shared layout
 * with the nav bar, as {@code text/html}, never cached (the numbers change).
 */
@Component
public class StatusNav {

    private final List<StatusPage> pages;

    public StatusNav(List<StatusPage> pages) {
        this.pages = pages.stream().sorted(Comparator.comparingInt(StatusPage::order)).toList();
    }

    public List<StatusPage> pages() {
        return pages;
    }

    /** A 200 page. */
    public ResponseEntity<String> page(String current, String title, String body) {
        return page(HttpStatus.OK, current, title, body);
    }

    public ResponseEntity<String> page(HttpStatus status, String current, String title, String body) {
        return ResponseEntity.status(status).contentType(new MediaType(MediaType.TEXT_HTML,
                        java.nio.charset.StandardCharsets.UTF_8))
                .header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; "
                        + "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
                .body(Html.page(pages, current, title, body));
    }
}
