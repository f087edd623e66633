package org.drmsbatch.api.site;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A small scatter/line plot as inline SVG, rendered on the server: axes with "nice" ticks and labels, and one
 * {@code <circle class="pt">} per point (with a {@code <title>} tooltip), joined by a polyline. A test counts the
 * points by their class. Non-finite values are left out (and not counted).
 */
public final class SvgPlot {

    private final int width;
    private final int height;
    private final String xLabel;
    private final String yLabel;
    private DoubleFunction<String> xFormat = SvgPlot::number;
    private DoubleFunction<String> yFormat = SvgPlot::number;
    private final List<double[]> points = new ArrayList<>();
    private final List<String> tips = new ArrayList<>();

    private static final int LEFT = 60;
    private static final int RIGHT = 15;
    private static final int TOP = 10;
    private static final int BOTTOM = 35;

    public SvgPlot(int width, int height, String xLabel, String yLabel) {
        this.width = width;
        this.height = height;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** How the x ticks are labelled (e.g. epoch seconds as dates). */
    public SvgPlot xFormat(DoubleFunction<String> format) {
        this.xFormat = format;
        return this;
    }

    public SvgPlot yFormat(DoubleFunction<String> format) {
        this.yFormat = format;
        return this;
    }

    /** Adds a point; its tooltip is the tip, or "x, y" when null. Non-finite coordinates are skipped. */
    public SvgPlot add(double x, double y, String tip) {
        if (Double.isFinite(x) && Double.isFinite(y)) {
            points.add(new double[] {x, y});
            tips.add(tip);
        }
        return this;
    }

    public int size() {
        return points.size();
    }

    /** The SVG element. */
    public String render() {
        StringBuilder b = new StringBuilder(256 + points.size() * 96);
        b.append("<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" role=\"img\" aria-label=\"").append(Html.esc(yLabel)).append(" over ")
                .append(Html.esc(xLabel)).append("\">");
        int x0 = LEFT;
        int x1 = width - RIGHT;
        int y0 = height - BOTTOM;
        int y1 = TOP;
        if (points.isEmpty()) {
            b.append("<text x=\"").append(width / 2 - 30).append("\" y=\"").append(height / 2)
                    .append("\">no data</text></svg>");
            return b.toString();
        }
        double[] xr = range(0);
        double[] yr = range(1);
        double[] xt = ticks(xr[0], xr[1]);
        double[] yt = ticks(yr[0], yr[1]);
        double xmin = Math.min(xr[0], xt[0]);
        double xmax = Math.max(xr[1], xt[xt.length - 1]);
        double ymin = Math.min(yr[0], yt[0]);
        double ymax = Math.max(yr[1], yt[yt.length - 1]);
        DoubleFunction<Double> px = v -> x0 + (xmax == xmin ? 0.5 : (v - xmin) / (xmax - xmin)) * (x1 - x0);
        DoubleFunction<Double> py = v -> y0 - (ymax == ymin ? 0.5 : (v - ymin) / (ymax - ymin)) * (y0 - y1);
        for (double t : yt) {
            double y = py.apply(t);
            b.append("<line class=\"grid\" x1=\"").append(x0).append("\" x2=\"").append(x1).append("\" y1=\"")
                    .append(f(y)).append("\" y2=\"").append(f(y)).append("\"/>");
            b.append("<text class=\"ytick\" x=\"").append(x0 - 4).append("\" y=\"").append(f(y + 3))
                    .append("\" text-anchor=\"end\">").append(Html.esc(yFormat.apply(t))).append("</text>");
        }
        for (double t : xt) {
            double x = px.apply(t);
            b.append("<line class=\"axis\" x1=\"").append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"")
                    .append(y0).append("\" y2=\"").append(y0 + 4).append("\"/>");
            b.append("<text class=\"xtick\" x=\"").append(f(x)).append("\" y=\"").append(y0 + 15)
                    .append("\" text-anchor=\"middle\">").append(Html.esc(xFormat.apply(t))).append("</text>");
        }
        b.append("<line class=\"axis\" x1=\"").append(x0).append("\" x2=\"").append(x1).append("\" y1=\"").append(y0)
                .append("\" y2=\"").append(y0).append("\"/>");
        b.append("<line class=\"axis\" x1=\"").append(x0).append("\" x2=\"").append(x0).append("\" y1=\"").append(y1)
                .append("\" y2=\"").append(y0).append("\"/>");
        b.append("<text x=\"").append((x0 + x1) / 2).append("\" y=\"").append(height - 4)
                .append("\" text-anchor=\"middle\">").append(Html.esc(xLabel)).append("</text>");
        b.append("<text x=\"12\" y=\"").append((y0 + y1) / 2).append("\" text-anchor=\"middle\" transform=\"rotate(-90 12 ")
                .append((y0 + y1) / 2).append(")\">").append(Html.esc(yLabel)).append("</text>");
        List<double[]> sorted = new ArrayList<>(points);
        sorted.sort((a, c) -> Double.compare(a[0], c[0]));
        b.append("<polyline fill=\"none\" stroke=\"#9bc\" points=\"");
        for (double[] p : sorted) {
            b.append(f(px.apply(p[0]))).append(',').append(f(py.apply(p[1]))).append(' ');
        }
        b.append("\"/>");
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            String tip = tips.get(i) != null ? tips.get(i) : xFormat.apply(p[0]) + ", " + yFormat.apply(p[1]);
            b.append("<circle class=\"pt\" r=\"2.5\" cx=\"").append(f(px.apply(p[0]))).append("\" cy=\"")
                    .append(f(py.apply(p[1]))).append("\"><title>").append(Html.esc(tip)).append("</title></circle>");
        }
        return b.append("</svg>").toString();
    }

    private double[] range(int axis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] p : points) {
            lo = Math.min(lo, p[axis]);
            hi = Math.max(hi, p[axis]);
        }
        return new double[] {lo, hi};
    }

    /** About 5 ticks at 1, 2 or 5 times a power of ten, covering lo..hi. */
    static double[] ticks(double lo, double hi) {
        if (hi == lo) {
            double d = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= d;
            hi += d;
        }
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        double start = Math.floor(lo / step) * step;
        int n = (int) Math.ceil((hi - start) / step - 1e-9) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = start + i * step;
        }
        return t;
    }

    /** A compact number: integers as such, else 4 significant digits. */
    public static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
