package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

/** The preview's percentile clipping, block down-sampling, orientation and PNG. */
class PreviewTest {

    @Test
    void limitsAreThePercentilesOfTheFiniteValues() {
        double[] v = new double[1001];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        v[17] = Double.NaN;
        v[500] = 1e30; // a hot pixel: above the 99.5 percentile, it does not set the scale
        double[] lim = Preview.limits(v, 0.5, 99.5);
        // 1000 finite values sorted: 0..16, 18..499, 501..1000, 1e30; nearest ranks round(0.005 * 999) = 5 and
        // round(0.995 * 999) = 994
        assertThat(lim[0]).isEqualTo(5.0);
        assertThat(lim[1]).isEqualTo(996.0);
        assertThat(Preview.limits(new double[] {Double.NaN}, 0.5, 99.5)).containsExactly(0, 0);
        assertThatThrownBy(() -> Preview.limits(v, 50, 10)).hasMessageContaining("0 <= low < high <= 100");
    }

    @Test
    void zscaleFitsTheSkyAndIgnoresOutliers() {
        // a flat sky of 100 with noise in [-1, 1] and 1 % of stars at 1e6: the limits hug the sky
        java.util.Random random = new java.util.Random(7);
        double[] v = new double[100_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextDouble() < 0.01 ? 1e6 : 100 + (random.nextDouble() * 2 - 1);
        }
        // the sorted sky's slope is about 2/n per sample: median ± (n/2)(2/n)/contrast = 100 ± 4, the lower end
        // kept at the samples' minimum (~99); the stars (rejected from the fit) do not stretch it
        double[] z = Preview.zscale(v);
        assertThat(z[0]).isBetween(99.0, 99.1);
        assertThat(z[1]).isBetween(103.5, 104.5);
        // a plain ramp: the limits are its ends (the fit's line reaches beyond them)
        double[] ramp = new double[500];
        Arrays.setAll(ramp, i -> i);
        assertThat(Preview.zscale(ramp)).containsExactly(0, 499);
        assertThat(Preview.zscale(new double[] {Double.NaN})).containsExactly(0, 0);
    }

    @Test
    void greyLevelsClipScaleAndPutTheFirstRowAtTheBottom() {
        // 4 × 2, x fastest: row 0 = 0 10 20 30, row 1 = 40 50 NaN 1000
        double[] d = {0, 10, 20, 30, 40, 50, Double.NaN, 1000};
        int[][] g = Preview.grey(d, 4, 2, 512, 10, 50);
        assertThat(g).hasDimensions(2, 4);
        assertThat(g[1]).containsExactly(0, 0, 64, 128); // row 0 at the bottom; 0 clipped to black
        assertThat(g[0]).containsExactly(191, 255, 0, 255); // NaN black, 1000 clipped to white
    }

    @Test
    void downSamplesByBlockAveragesToTheLongerSide() {
        double[] d = new double[6 * 3];
        Arrays.setAll(d, i -> i % 6); // x = 0..5 on each row
        int[][] g = Preview.grey(d, 6, 3, 3, 0, 5);
        assertThat(g).hasDimensions(2, 3); // factor 2: 6 → 3, 3 → 2
        assertThat(g[1]).containsExactly(26, 128, 230); // means 0.5, 2.5, 4.5 of 0..5
        assertThatThrownBy(() -> Preview.grey(d, 5, 3, 3, 0, 5)).hasMessageContaining("needs 15 values, not 18");
    }

    @Test
    void pngIsAValidGreyImageOfTheDownSampledSize() throws Exception {
        double[] d = new double[1200 * 700];
        Arrays.setAll(d, i -> i % 1200);
        byte[] png = Preview.png(d, 1200, 700, 512);
        assertThat(Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getWidth()).isEqualTo(400); // factor 3
        assertThat(img.getHeight()).isEqualTo(234);
        assertThat(img.getRaster().getSample(0, 100, 0)).isZero();
        assertThat(img.getRaster().getSample(399, 100, 0)).isEqualTo(255);
        assertThat(img.getRaster().getSample(200, 100, 0)).isBetween(120, 135);
    }
}
