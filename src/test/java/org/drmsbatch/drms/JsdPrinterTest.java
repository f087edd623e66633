package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsdPrinterTest {

    private final JsdParser parser = new JsdParser();
    private final JsdPrinter printer = new JsdPrinter();

    @ParameterizedTest
    @ValueSource(strings = {"hmi.MHDcorona_daily.jsd", "aia.lev0.jsd", "su_production.flatfield_rel.jsd",
            "su_scholl.limbfit_tas.jsd", "hmi.tlm.jsd", "test.slotkeys.jsd"})
    void printThenParseGivesTheSameDefinition(String file) {
        SeriesDefinition def = parser.parse(JsdParserTest.resource(file));
        String text = printer.print(def);
        SeriesDefinition again = parser.parse("printed-" + file, text);
        assertThat(again).isEqualTo(def);
        assertThat(printer.print(again)).isEqualTo(text);
    }

    @Test
    void printsLikeShowInfoJ() {
        SeriesDefinition def = parser.parse(JsdParserTest.resource("aia.lev0.jsd"));
        String text = printer.print(def);
        assertThat(text).startsWith("""
                #=====General Series Information=====
                Seriesname:      \taia.lev0
                Author:          \t"production"
                Owner:           \t"production"
                Unitsize:        \t12
                Archive:         \t1
                Retention:       \t20
                Tapegroup:       \t3
                PrimeKeys:       \tFSN
                DBIndex:         \tFSN, T_OBS
                Description:     \t"AIA Level 0"
                """);
        assertThat(text).contains(
                "Keyword:CAMERA, int, variable, record, -2147483648, \"%d\", none, \"For AIA: 1, 2, 3  or 4\"\n",
                "Keyword:DATE__OBS, time, variable, record, -4712.01.01_11:59:27.82Z, 2, ISO,"
                        + " \"[DATE-OBS] Date when observation started; ISO 8601\"\n",
                "Data: image, variable, short, 2, 4096, 4096, \"dn\", fits, \"compress Rice\", 0, 1,"
                        + " \"lev0 fits image\"\n",
                "Data: image_sm, variable, short, 2, 512, 512, \"dn\", fits, \"\", 8192, 0.25,"
                        + " \"lev0 small fits image with headers\"\n",
                "Data: image_png, variable, short, 2, 256, 256, \"dn\", generic, \"lev0 small png image\"\n");
        assertThat(text).doesNotContain("_bzero", "_bscale", "cparms_sg");
    }

    @Test
    void linksLinkedKeywordsAndSegments() {
        String text = printer.print(parser.parse(JsdParserTest.resource("su_production.flatfield_rel.jsd")));
        assertThat(text).contains(
                "Link: DARK, su_richard.dark, static, \"Link to the most current dark\"\n",
                "Link: BAD_PIXEL, su_richard.bad_pixel_list, dynamic,",
                "Keyword:T_OBS_DARK, link, DARK, T_OBS, \"[T_OBS_DK]T_OBS of dark / bias\"\n",
                "Data: DARK, link, DARK, dark, 2, 4096, 4096, \"bias /dark\"\n",
                "Data: BAD_PIXEL, link, BAD_PIXEL, bad_pixel_list, 0, \"bad pixel array\"\n",
                "Data: flatfield, variable, float, 2, 4096, 4096, \"none\", fits, \"\", \"HMI flatfield\"\n",
                "Keyword:TELESCOP, string, constant, record, \"SDO/HMI\", \"%s\", none, \"[TELESCOP]SDO/HMI\"\n");
    }

    @Test
    void perSegmentKeywordPrintedOnceAndIndexKeywordsNotAtAll() {
        String text = printer.print(parser.parse(JsdParserTest.resource("su_scholl.limbfit_tas.jsd")));
        assertThat(text).contains("Keyword:SCALE, float, variable, segment, 1.0, \"%f\", none,"
                + " \"per-segment scale\"\n");
        assertThat(text).doesNotContain("SCALE_0", "T_OBS_index");
        assertThat(text).contains("StagingRetention:\t5\n", "CreateShadow:    \t1\n", "Version:         \t\"2.1\"\n");
        assertThat(text).contains("Data: dump, vardim, short, 2, 0, 0, \"\", bin.gz, 0, 1, \"vardim bin.gz\"\n");
    }
}
