package org.drmsbatch.api.site;

/**
 * One entry of the status site's nav bar. To add a panel: a {@code @Controller} answering
 * {@code GET /status/<name>} with {@link Html#page}, and a bean of this interface naming it (its order places it in
 * the nav bar). {@link StatusPages} collects every such bean.
 */
public interface StatusPage {

    /** The link text. */
    String title();

    /** The page's path, e.g. {@code /status/jobs}. */
    String href();

    /** Its place in the nav bar: smaller first. */
    int order();

    /** A page entry. */
    static StatusPage of(String title, String href, int order) {
        record Entry(String title, String href, int order) implements StatusPage {
        }
        return new Entry(title, href, order);
    }
}
