package org.drmsbatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.RecScope;
import org.drmsbatch.drms.types.DrmsType;
import org.junit.jupiter.api.Test;

/** The keyword-name cascade of specs/drms.md §5.1. */
class FitsNamesTest {

    static KeywordDef kw(String name, String description) {
        return new KeywordDef(name, DrmsType.DOUBLE, RecScope.VARIABLE, false, "0", "%f", "none", description, null,
                null, false);
    }

    final FitsNames names = new FitsNames(Map.of("exptime", "EXPOSURE", "bad_map", "much-too-long"));

    String name(String drms, String description) {
        return names.map(kw(drms, description)).fitsName();
    }

    @Test
    void theFirstRuleGivingAValidNameWins() {
        assertThat(name("EXPTIME", "[EXPT] exposure")).as("map file first").isEqualTo("EXPOSURE");
        assertThat(name("bad_map", "[GOOD] x")).as("invalid map entry skipped").isEqualTo("GOOD");
        assertThat(name("DATE__OBS", "[DATE-OBS] Observation date")).isEqualTo("DATE-OBS");
        assertThat(name("T_REC", "[T_REC] Slot time")).isEqualTo("T_REC");
        assertThat(name("CRLT_OBS", "Carrington latitude")).isEqualTo("CRLT_OBS");
        assertThat(name("quality", "")).as("upper-cased").isEqualTo("QUALITY");
        assertThat(name("T_REC_step", "Slot step")).as("generated").isEqualTo("TRECSTEP");
        assertThat(name("INSTRUMENT_NAME", "[TOO-LONG-NAME] x")).isEqualTo("INSTRUME");
        assertThat(name("BITPIX", "")).as("reserved gets _").isEqualTo("_BITPIX");
        assertThat(name("NAXIS1", "")).isEqualTo("_NAXIS1");
        assertThat(name("RECNUM", "")).as("the export's own").isEqualTo("_RECNUM");
        assertThat(name("DATE", "File date")).isEqualTo("DATE");
    }

    @Test
    void perSegmentKeywordsLoseTheirSuffix() {
        KeywordDef k = new KeywordDef("GAIN_002", DrmsType.FLOAT, RecScope.VARIABLE, true, "1", "%f", "none", "Gain",
                null, null, false);
        assertThat(names.map(k).fitsName()).isEqualTo("GAIN");
        assertThat(FitsNames.drmsName(k)).isEqualTo("GAIN");
    }

    @Test
    void castAndShortComment() {
        FitsNames.Mapping m = names.map(kw("FLAG", "[FLAGS:LOGICAL] Set when bad -- really - long explanation"));
        assertThat(m.fitsName()).isEqualTo("FLAGS");
        assertThat(m.cast()).isEqualTo(FitsNames.Cast.LOGICAL);
        assertThat(m.comment()).isEqualTo("Set when bad - really");
    }

    @Test
    void commentsKeepTheBracedNameWhenShortened() {
        String c = FitsHeaderMapper.comment("DN", "(MISSING) ", "x".repeat(80), " {SOME_LONG_NAME}", 47);
        assertThat(c).hasSize(47).startsWith("[DN] (MISSING) xxx").endsWith(" {SOME_LONG_NAME}");
    }
}
