package org.drmsbatch.drms;

import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.drms.types.DrmsType;

/** Series definitions built in code for catalog tests (the JSD parser has its own golden tests). */
public final class TestSeries {

    private TestSeries() {
    }

    public static KeywordDef kw(String name, DrmsType type, String dflt) {
        return new KeywordDef(name, type, RecScope.VARIABLE, false, dflt, type == DrmsType.TIME ? "0" : null,
                type == DrmsType.TIME ? "TAI" : "none", name + " keyword", null, null, false);
    }

    public static KeywordDef constant(String name, DrmsType type, String value) {
        return new KeywordDef(name, type, RecScope.CONSTANT, false, value, null, "none", name, null, null, false);
    }

    /** A series with one prime key FSN (int) and a keyword of every type. */
    public static SeriesDefinition allTypes(String name) {
        List<KeywordDef> k = new ArrayList<>();
        k.add(kw("FSN", DrmsType.INT, "DRMS_MISSING_VALUE"));
        k.add(kw("C", DrmsType.CHAR, "DRMS_MISSING_VALUE"));
        k.add(kw("S", DrmsType.SHORT, "DRMS_MISSING_VALUE"));
        k.add(kw("I", DrmsType.INT, "DRMS_MISSING_VALUE"));
        k.add(kw("L", DrmsType.LONGLONG, "DRMS_MISSING_VALUE"));
        k.add(kw("F", DrmsType.FLOAT, "DRMS_MISSING_VALUE"));
        k.add(kw("D", DrmsType.DOUBLE, "DRMS_MISSING_VALUE"));
        k.add(kw("T", DrmsType.TIME, "DRMS_MISSING_VALUE"));
        k.add(kw("STR", DrmsType.STRING, "DRMS_MISSING_VALUE"));
        k.add(constant("ORIGIN", DrmsType.STRING, "SDO/HMI"));
        return new SeriesDefinition(name, "tester", "tester", 1, 0, 5, 0, 0, List.of("FSN"), List.of(),
                "all keyword types", "", false, k, List.of(), List.of());
    }
}
