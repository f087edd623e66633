package org.drmsbatch.api.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The SVG plot: well-formed, a point element per finite point inside the axes, ticks, escaped labels. */
class SvgPlotTest {

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static int countClass(Document d, String tag, String cls) {
        NodeList n = d.getElementsByTagNameNS("*", tag);
        int c = 0;
        for (int i = 0; i < n.getLength(); i++) {
            if (((Element) n.item(i)).getAttribute("class").equals(cls)) {
                c++;
            }
        }
        return c;
    }

    @Test
    void onePointElementPerFinitePointWithinTheAxes() throws Exception {
        SvgPlot p = new SvgPlot(400, 200, "recnum", "<DATAMEAN>");
        for (int i = 0; i < 10; i++) {
            p.add(i, i * i, null);
        }
        p.add(11, Double.NaN, null);
        p.add(Double.POSITIVE_INFINITY, 1, null);
        assertThat(p.size()).isEqualTo(10);
        String svg = p.render();
        Document d = parse(svg);
        assertThat(countClass(d, "circle", "pt")).isEqualTo(10);
        assertThat(countClass(d, "text", "xtick")).isGreaterThanOrEqualTo(3);
        assertThat(countClass(d, "text", "ytick")).isGreaterThanOrEqualTo(3);
        assertThat(svg).contains("&lt;DATAMEAN&gt;").doesNotContain("<DATAMEAN>");
        NodeList circles = d.getElementsByTagNameNS("*", "circle");
        for (int i = 0; i < circles.getLength(); i++) {
            Element c = (Element) circles.item(i);
            double cx = Double.parseDouble(c.getAttribute("cx"));
            double cy = Double.parseDouble(c.getAttribute("cy"));
            assertThat(cx).isBetween(60.0, 385.0);
            assertThat(cy).isBetween(10.0, 165.0);
        }
        // the first point (0, 0) at the lower left corner, the last (9, 81) right of and above it
        Element first = (Element) circles.item(0);
        Element last = (Element) circles.item(9);
        assertThat(Double.parseDouble(first.getAttribute("cx"))).isEqualTo(60.0);
        assertThat(Double.parseDouble(first.getAttribute("cy"))).isEqualTo(165.0);
        assertThat(Double.parseDouble(last.getAttribute("cy"))).isLessThan(Double.parseDouble(first.getAttribute("cy")));
    }

    @Test
    void anEmptyPlotSaysSoAndOnePointOrEqualValuesStillRender() throws Exception {
        Document empty = parse(new SvgPlot(300, 100, "x", "y").render());
        assertThat(countClass(empty, "circle", "pt")).isZero();
        assertThat(empty.getDocumentElement().getTextContent()).contains("no data");
        Document one = parse(new SvgPlot(300, 100, "x", "y").add(5, 5, "a <b> tip").render());
        assertThat(countClass(one, "circle", "pt")).isEqualTo(1);
        assertThat(one.getElementsByTagNameNS("*", "title").item(0).getTextContent()).isEqualTo("a <b> tip");
    }

    @Test
    void ticksAreNiceAndCoverTheRange() {
        assertThat(SvgPlot.ticks(0, 81)).containsExactly(0, 20, 40, 60, 80, 100);
        assertThat(SvgPlot.ticks(0.1, 0.95)).startsWith(0.0).hasSizeBetween(4, 12);
        double[] t = SvgPlot.ticks(5, 5);
        assertThat(t[0]).isLessThanOrEqualTo(5);
        assertThat(t[t.length - 1]).isGreaterThanOrEqualTo(5);
    }
}
