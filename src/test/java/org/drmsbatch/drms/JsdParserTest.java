package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JsdParserTest {

    static final String MISSING = "DRMS_MISSING_VALUE";

    private final JsdParser parser = new JsdParser();

    static Path resource(String name) {
        try {
            return Path.of(JsdParserTest.class.getResource("/jsd/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeywordDef kw(String name, DrmsType type, RecScope scope, String dflt, String format, String unit,
                         String description) {
        return new KeywordDef(name, type, scope, false, dflt, format, unit, description, null, null, false);
    }

    static KeywordDef seg(String name, DrmsType type, RecScope scope, String dflt, String format, String unit,
                          String description) {
        return new KeywordDef(name, type, scope, true, dflt, format, unit, description, null, null, false);
    }

    static KeywordDef index(String key) {
        return new KeywordDef(key + "_index", DrmsType.LONGLONG, RecScope.INDEX, false, MISSING, "%lld", "none",
                "Index keyword associated with " + key, null, null, true);
    }

    static KeywordDef bzero(String seg, String value) {
        return new KeywordDef(seg + "_bzero", DrmsType.DOUBLE, RecScope.VARIABLE, false, value, "%g", "none", "",
                null, null, true);
    }

    static KeywordDef bscale(String seg, String value) {
        return new KeywordDef(seg + "_bscale", DrmsType.DOUBLE, RecScope.VARIABLE, false, value, "%g", "none", "",
                null, null, true);
    }

    static KeywordDef cparms(int segnum, String value) {
        return new KeywordDef(String.format("cparms_sg%03d", segnum), DrmsType.STRING, RecScope.VARIABLE, false,
                value, "%s", "none", "", null, null, true);
    }

    // ---------------------------------------------------------------------------------------------- golden files

    @Test
    void mhdCoronaDaily() {
        SeriesDefinition def = parser.parse(resource("hmi.MHDcorona_daily.jsd"));

        SeriesDefinition expected = new SeriesDefinition("hmi.MHDcorona_daily", "keiji", "", 1, 1, 10000, 0, 6,
                List.of("T_REC"), List.of("T_REC"), "MHD corona model, daily", "", false,
                List.of(
                        kw("DATE", DrmsType.TIME, RecScope.VARIABLE, "-4712.01.01_11:59:28Z", "0", "ISO",
                                "Date_time of processing; ISO 8601 format UTC"),
                        kw("CAR_ROT", DrmsType.INT, RecScope.VARIABLE, "-2147483648", "%d", "none",
                                "Carrington rotation number of CRLN_OBS"),
                        kw("T_REC", DrmsType.TIME, RecScope.TS_EQ, "-4712.01.01_11:59:28_TAI", "0", "TAI",
                                "Slot time"),
                        kw("T_REC_epoch", DrmsType.TIME, RecScope.CONSTANT, "1993.01.01_00:00:00_TAI", "0", "TAI",
                                "Time of origin"),
                        kw("T_REC_step", DrmsType.FLOAT, RecScope.CONSTANT, "720.0", "%.1f", "seconds",
                                "ts_eq step"),
                        kw("T_REC_unit", DrmsType.STRING, RecScope.CONSTANT, "secs", "%s", "none", "ts_eq unit"),
                        index("T_REC")),
                List.of(), List.of());
        assertThat(def).isEqualTo(expected);
        assertThat(def.internalPrimeKeys()).extracting(KeywordDef::name).containsExactly("T_REC_index");
        assertThat(def.explicitKeywords()).hasSize(6);
    }

    @Test
    void aiaLev0() {
        JsdParser.Result result = parser.read(resource("aia.lev0.jsd"));
        SeriesDefinition def = result.definition();

        SeriesDefinition expected = new SeriesDefinition("aia.lev0", "production", "production", 12, 1, 20, 0, 3,
                List.of("FSN"), List.of("FSN", "T_OBS"), "AIA Level 0", "", false,
                List.of(
                        kw("FSN", DrmsType.INT, RecScope.VARIABLE, "0X00000000", "%d", "none",
                                "Filtergram sequence number"),
                        kw("T_OBS", DrmsType.TIME, RecScope.VARIABLE, "-4712.01.01_11:59:28Z", "2", "UTC",
                                "[T_OBS] Observation time"),
                        kw("DATE__OBS", DrmsType.TIME, RecScope.VARIABLE, "-4712.01.01_11:59:27.82Z", "2", "ISO",
                                "[DATE-OBS] Date when observation started; ISO 8601"),
                        kw("CAMERA", DrmsType.INT, RecScope.VARIABLE, "-2147483648", "%d", "none",
                                "For AIA: 1, 2, 3  or 4"),
                        bzero("image", "0"), bscale("image", "1"), cparms(0, "compress Rice"),
                        bzero("image_sm", "8192"), bscale("image_sm", "0.25"), cparms(1, "")),
                List.of(),
                List.of(
                        new SegmentDef("image", 0, SegmentDef.Scope.VARIABLE, DrmsType.SHORT, List.of(4096, 4096),
                                "dn", Protocol.FITS, "compress Rice", 0.0, 1.0, "lev0 fits image", null, null),
                        new SegmentDef("image_sm", 1, SegmentDef.Scope.VARIABLE, DrmsType.SHORT, List.of(512, 512),
                                "dn", Protocol.FITS, "", 8192.0, 0.25, "lev0 small fits image with headers", null,
                                null),
                        new SegmentDef("image_png", 2, SegmentDef.Scope.VARIABLE, DrmsType.SHORT, List.of(256, 256),
                                "dn", Protocol.GENERIC, "", 0.0, 1.0, "lev0 small png image", null, null)));
        assertThat(def).isEqualTo(expected);
        assertThat(def.segment("IMAGE_SM").orElseThrow().compressed()).isFalse();
        assertThat(def.segment("image").orElseThrow().compressed()).isTrue();
        // only time defaults may warn (while time parsing is partial); nothing else in this file is doubtful
        assertThat(result.warnings()).allMatch(w -> w.contains("time keyword"));
    }

    @Test
    void flatfieldRel() {
        JsdParser.Result result = parser.read(resource("su_production.flatfield_rel.jsd"));
        SeriesDefinition def = result.definition();

        SeriesDefinition expected = new SeriesDefinition("su_production.flatfield_rel", "", "production", 1, 0, 100,
                0, 0, List.of("CAMERA", "T_START", "HMI_SEQ_ID_FOCUS"),
                List.of("CAMERA", "T_START", "HMI_SEQ_ID_FOCUS", "T_STOP"), "correted HMI flat field", "", false,
                List.of(
                        kw("TELESCOP", DrmsType.STRING, RecScope.CONSTANT, "SDO/HMI", "%s", "none",
                                "[TELESCOP]SDO/HMI"),
                        kw("CAMERA", DrmsType.INT, RecScope.VARIABLE, MISSING, "%01d", "none", "[CAMERAID]Camera ID"),
                        kw("T_START", DrmsType.TIME, RecScope.VARIABLE, MISSING, "2", "TAI",
                                "[T_START]Flatfield is valid from T_START ..."),
                        kw("HMI_SEQ_ID_FOCUS", DrmsType.INT, RecScope.VARIABLE, "0", "%2d", "none",
                                "[FOCUS_ID]Focus ID"),
                        kw("T_STOP", DrmsType.TIME, RecScope.VARIABLE, MISSING, "2", "TAI", "[T_STOP]... to T_STOP"),
                        KeywordDef.linked("T_OBS_DARK", "DARK", "T_OBS", "[T_OBS_DK]T_OBS of dark / bias"),
                        bzero("flatfield", "0"), bscale("flatfield", "1"), cparms(2, "")),
                List.of(new LinkDef("DARK", "su_richard.dark", LinkDef.Type.STATIC, "Link to the most current dark"),
                        new LinkDef("BAD_PIXEL", "su_richard.bad_pixel_list", LinkDef.Type.DYNAMIC,
                                "Link to the most current bad pixel array")),
                List.of(
                        new SegmentDef("DARK", 0, SegmentDef.Scope.LINK, DrmsType.INT, List.of(4096, 4096), "", null,
                                "", 0.0, 1.0, "bias /dark", "DARK", "dark"),
                        new SegmentDef("BAD_PIXEL", 1, SegmentDef.Scope.LINK, DrmsType.INT, List.of(), "", null, "",
                                0.0, 1.0, "bad pixel array", "BAD_PIXEL", "bad_pixel_list"),
                        new SegmentDef("flatfield", 2, SegmentDef.Scope.VARIABLE, DrmsType.FLOAT,
                                List.of(4096, 4096), "none", Protocol.FITS, "", 0.0, 1.0, "HMI flatfield", null,
                                null)));
        assertThat(def).isEqualTo(expected);
        // the float/bzero quirk: "0, 1" after the cparms of a float segment are skipped, with a warning on line 24
        assertThat(result.warnings()).anyMatch(w -> w.startsWith("su_production.flatfield_rel.jsd:24:")
                && w.contains("'0'"));
        assertThat(def.keyword("t_obs_dark").orElseThrow().isColumn()).isFalse();
    }

    @Test
    void tasAndTsSlot() {
        SeriesDefinition def = parser.parse(resource("su_scholl.limbfit_tas.jsd"));

        assertThat(def.name()).isEqualTo("su_scholl.limbfit_tas");
        assertThat(def.author()).isEqualTo("scholl");
        assertThat(def.unitSize()).isEqualTo(10);
        assertThat(def.stagingRetention()).isEqualTo(5);
        assertThat(def.createShadow()).isTrue();
        assertThat(def.version()).isEqualTo("2.1");
        assertThat(def.primeKeys()).containsExactly("T_OBS");
        assertThat(def.description()).isEqualTo("limb fit, TAS");
        assertThat(def.segments()).containsExactly(
                new SegmentDef("ldfs", 0, SegmentDef.Scope.VARIABLE, DrmsType.FLOAT, List.of(65, 182), "",
                        Protocol.TAS, "", 0.0, 1.0, "ldfs/ip", null, null),
                new SegmentDef("counts", 1, SegmentDef.Scope.VARIABLE, DrmsType.INT, List.of(182), "",
                        Protocol.TAS, "compress Rice", 100.0, 2.0, "counts", null, null),
                new SegmentDef("raw", 2, SegmentDef.Scope.VARIABLE, DrmsType.LONGLONG, List.of(10), "",
                        Protocol.FITS, "", 0.0, 1.0, "no cparms for longlong", null, null),
                new SegmentDef("dump", 3, SegmentDef.Scope.VARDIM, DrmsType.SHORT, List.of(0, 0), "",
                        Protocol.BIN_GZ, "", 0.0, 1.0, "vardim bin.gz", null, null),
                new SegmentDef("notes", 4, SegmentDef.Scope.CONSTANT, DrmsType.STRING, List.of(0), "",
                        Protocol.GENERIC, "", 0.0, 1.0, "generic with unknown dim", null, null),
                new SegmentDef("cube", 5, SegmentDef.Scope.VARIABLE, DrmsType.SHORT, List.of(4, 4, 4), "",
                        Protocol.FITZ, "compress Rice", -32768.0, 0.5, "fitz: no cparms token", null, null));
        assertThat(def.keywords()).extracting(KeywordDef::name).containsExactly(
                "T_OBS", "T_OBS_epoch", "T_OBS_step", "T_OBS_round",
                "SCALE_000", "SCALE_001", "SCALE_002", "SCALE_003", "SCALE_004", "SCALE_005",
                "T_OBS_index",
                "ldfs_bzero", "ldfs_bscale", "cparms_sg000",
                "counts_bzero", "counts_bscale", "cparms_sg001",
                "raw_bzero", "raw_bscale", "cparms_sg002",
                "dump_bzero", "dump_bscale", "cparms_sg003",
                "cube_bzero", "cube_bscale", "cparms_sg005");
        assertThat(def.keyword("SCALE_003").orElseThrow()).isEqualTo(
                seg("SCALE_003", DrmsType.FLOAT, RecScope.VARIABLE, "1.0", "%f", "none", "per-segment scale"));
        assertThat(def.keyword("T_OBS").orElseThrow().recScope()).isEqualTo(RecScope.TS_SLOT);
        assertThat(def.keyword("T_OBS_epoch").orElseThrow().defaultValue()).isEqualTo("MDI_EPOCH");
        assertThat(def.keyword("counts_bzero").orElseThrow().defaultValue()).isEqualTo("100");
        assertThat(def.keyword("cube_bscale").orElseThrow().defaultValue()).isEqualTo("0.5");
        assertThat(def.keyword("cparms_sg005").orElseThrow().defaultValue()).isEqualTo("compress Rice");
        assertThat(def.keywords().stream().filter(KeywordDef::implicit).count()).isEqualTo(16);
    }

    @Test
    void epochNameDefaultHasTheEpochValue() {
        assumeTrue(DrmsTime.epoch("MDI_EPOCH") != null, "DrmsTime is still a stub");
        SeriesDefinition def = parser.parse(resource("su_scholl.limbfit_tas.jsd"));
        String text = def.keyword("T_OBS_epoch").orElseThrow().defaultValue();
        assertThat(KeywordValues.parse(text, DrmsType.TIME).value()).isEqualTo(504921600.0);
    }

    @Test
    void genericSegmentWithNaxisZeroAndCIntegerDefaults() {
        SeriesDefinition def = parser.parse(resource("hmi.tlm.jsd"));

        assertThat(def.archive()).isEqualTo(-1);
        assertThat(def.segments()).containsExactly(
                new SegmentDef("dir", 0, SegmentDef.Scope.VARIABLE, DrmsType.INT, List.of(), "none",
                        Protocol.GENERIC, "", 0.0, 1.0, " ", null, null),
                new SegmentDef("tlm", 1, SegmentDef.Scope.VARIABLE, DrmsType.CHAR, List.of(1000), "none",
                        Protocol.BIN, "", 0.0, 1.0, "raw telemetry", null, null));
        KeywordDef flags = def.keyword("FLAGS").orElseThrow();
        assertThat(flags.defaultValue()).isEqualTo("0x1F");
        assertThat(KeywordValues.parse(flags.defaultValue(), flags.type()).value()).isEqualTo(31);
        KeywordDef oct = def.keyword("OCT").orElseThrow();
        assertThat(KeywordValues.parse(oct.defaultValue(), oct.type()).value()).isEqualTo(8L);
        assertThat(def.keyword("QUOTED").orElseThrow().defaultValue()).isEqualTo("say \"hi\"");
        assertThat(def.keyword("QUOTED").orElseThrow().description()).isEqualTo("a \"quoted\" description");
        assertThat(def.keyword("filename").orElseThrow().defaultValue()).isEmpty();
        assertThat(def.keyword("CADENCE").orElseThrow()).isEqualTo(
                kw("CADENCE", DrmsType.TIME, RecScope.CONSTANT, "30", "0", "s", "an interval"));
        assertThat(def.keyword("BAD").orElseThrow().defaultValue()).isEqualTo("nan");
        assertThat(def.keywords()).extracting(KeywordDef::name).containsExactly(
                "filename", "FLAGS", "OCT", "QUOTED", "CADENCE", "BAD", "tlm_bzero", "tlm_bscale", "cparms_sg001");
        assertThat(parser.warnings()).isEmpty();
    }

    @Test
    void slottedKinds() {
        SeriesDefinition def = parser.parse(resource("test.slotkeys.jsd"));

        assertThat(def.primeKeys()).containsExactly("T_REC", "CARRROT", "LAT", "WAVE", "SERIAL");
        assertThat(def.internalPrimeKeys()).extracting(KeywordDef::name)
                .containsExactly("T_REC_index", "CARRROT_index", "LAT_index", "WAVE_index", "SERIAL");
        assertThat(def.keywords().subList(def.keywords().size() - 4, def.keywords().size()))
                .containsExactly(index("T_REC"), index("CARRROT"), index("LAT"), index("WAVE"));
        assertThat(def.dbIndex()).containsExactly("T_REC");
        assertThat(parser.warnings()).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- lexical

    static final String HEAD = "Seriesname: test.neg\nUnitsize: 1\n";

    @Test
    void unquotedDescriptionStopsAtFirstBlank() {
        JsdParser.Result r = parser.read("hmi.lev0.jsd", "Seriesname: hmi.lev0\nDescription: HMI Level0 60 day\n");
        assertThat(r.definition().description()).isEqualTo("HMI");
        assertThat(r.warnings()).singleElement().asString()
                .startsWith("hmi.lev0.jsd:2: Description: only 'HMI' is used");
    }

    @Test
    void unquotedKeywordDescriptionStopsAtFirstBlank() {
        JsdParser.Result r = parser.read("k.jsd", HEAD + "Keyword: X, int, variable, record, 0, %d, none, two words\n");
        assertThat(r.definition().keyword("X").orElseThrow().description()).isEqualTo("two");
        assertThat(r.warnings()).singleElement().asString().startsWith("k.jsd:3: Keyword: text after the last field");
    }

    @Test
    void tagsAreCaseInsensitivePrefixesAndOrderDoesNotMatter() {
        SeriesDefinition def = parser.parse("o.jsd", """
                PRIMEKEYS: B
                KeyWord : B, short, variable, record, 7, %hd, none, "b"
                  # comment

                SERIESNAME:test.order
                keyword: A, char, constant, record, -128, %d, none, "a"
                """);
        assertThat(def.name()).isEqualTo("test.order");
        assertThat(def.keywords()).extracting(KeywordDef::name).containsExactly("B", "A");
        assertThat(def.primeKeys()).containsExactly("B");
    }

    @Test
    void linkedSegmentMayHaveUnknownDims() {
        SeriesDefinition def = parser.parse("l.jsd", HEAD + "Data: L, link, LK, tgt, 2, *, 7, \"d\"\n"
                + "Link: LK, a.b, dynamic, \"lk\"\n");
        assertThat(def.segments()).containsExactly(new SegmentDef("L", 0, SegmentDef.Scope.LINK, DrmsType.INT,
                List.of(0, 7), "", null, "", 0.0, 1.0, "d", "LK", "tgt"));
        assertThat(def.keywords()).isEmpty();
        assertThat(def.hasStorage()).isFalse();
    }

    @Test
    void archiveOutsideMinusOneToOneWarnsAndBecomesZero() {
        JsdParser.Result r = parser.read("a.jsd", HEAD + "Archive: 5\n");
        assertThat(r.definition().archive()).isZero();
        assertThat(r.warnings()).singleElement().asString().startsWith("a.jsd:3: Archive:");
    }

    @Test
    void badFormatOnlyWarns() {
        JsdParser.Result r = parser.read("f.jsd", HEAD + "Keyword: X, longlong, variable, record, 0, %d, none, \"x\"\n");
        assertThat(r.definition().keyword("X").orElseThrow().format()).isEqualTo("%d");
        assertThat(r.warnings()).singleElement().asString().startsWith("f.jsd:3: Keyword: format '%d'");
    }

    // ---------------------------------------------------------------------------------------------- errors

    private void fails(String text, String message) {
        assertThatThrownBy(() -> parser.parse("hmi.bad.jsd", text))
                .isInstanceOf(JsdException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @Nested
    class Errors {
        @Test
        void unknownType() {
            fails(HEAD + "\n# c\nKeyword: X, integer, variable, record, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:5: Keyword: expected a type (char, short, int, longlong, float, double, time,"
                            + " string), found 'integer'");
        }

        @Test
        void badRecScope() {
            fails(HEAD + "Keyword: X, int, variabel, record, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: expected a record scope (constant, variable, ts_eq, ts_slot, slot,"
                            + " enum, carr), found 'variabel'");
        }

        @Test
        void indexScopeRefused() {
            fails(HEAD + "Keyword: X, longlong, index, record, 0, %lld, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: specification of an index keyword in a jsd is not allowed");
        }

        @Test
        void badSegmentScope() {
            fails(HEAD + "Keyword: X, int, variable, recrod, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: expected a segment scope (record, segment), found 'recrod'");
        }

        @Test
        void badIntegerDefault() {
            fails(HEAD + "Keyword: X, int, variable, record, abc, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: default of 'X' must be a int");
        }

        @Test
        void missingKeywordFields() {
            fails(HEAD + "Keyword: X, int, variable, record, 0, %d\n",
                    "hmi.bad.jsd:3: Keyword: expected a unit, found end of line");
        }

        @Test
        void dataMissingBzeroBscale() {
            fails(HEAD + "Data: image, variable, short, 2, 4096, 4096, \"dn\", fits, \"compress Rice\", \"img\"\n",
                    "hmi.bad.jsd:3: Data: expected bzero (a number), found 'img'");
        }

        @Test
        void dataTooManyFields() {
            fails(HEAD + "Data: image, variable, short, 2, 4, 4, \"dn\", generic, \"img\", \"extra\"\n",
                    "hmi.bad.jsd:3: Data: too many fields");
        }

        @Test
        void dataMissingDescription() {
            fails(HEAD + "Data: image, variable, int, 1, 4, \"dn\", generic\n",
                    "hmi.bad.jsd:3: Data: expected a description, found end of line");
        }

        @Test
        void fewerDimsThanNaxis() {
            fails(HEAD + "Data: image, variable, short, 3, 4096, 4096, \"dn\", fits, \"\", 0, 1, \"img\"\n",
                    "hmi.bad.jsd:3: Data: expected 3 dimensions after naxis 3, found 'dn'");
        }

        @Test
        void moreDimsThanNaxis() {
            fails(HEAD + "Data: image, variable, short, 1, 4096, 4096, dn, fits, \"\", 0, 1, \"img\"\n",
                    "hmi.bad.jsd:3: Data: segment 'image' has more dimensions than naxis 1");
        }

        @Test
        void unknownDimOnlyForVardimOrGeneric() {
            fails(HEAD + "Data: image, variable, short, 2, *, 4, \"dn\", fits, \"\", 0, 1, \"img\"\n",
                    "hmi.bad.jsd:3: Data: segment 'image': '*' or 'NA' dimensions are allowed only");
        }

        @Test
        void unknownProtocol() {
            fails(HEAD + "Data: image, variable, short, 1, 4, \"dn\", png, \"img\"\n",
                    "hmi.bad.jsd:3: Data: expected a protocol (generic, bin, bin.gz, fitz, fits, tas), found 'png'");
        }

        @Test
        void crlfFile() {
            fails("Seriesname: test.crlf\r\nUnitsize: 1\r\n",
                    "hmi.bad.jsd:1: DRMS does not support JSD files with Mac/Windows line endings");
        }

        @Test
        void crFileReportsItsLine() {
            fails("Seriesname: test.cr\nUnitsize: 1\nArchive: 0\r", "hmi.bad.jsd:3: DRMS does not support JSD files");
        }

        @Test
        void perSegmentPrimeKey() {
            fails(HEAD + "Data: a, variable, int, 1, 4, \"dn\", generic, \"a\"\n"
                            + "Keyword: Q, int, variable, segment, 0, %d, none, \"q\"\nPrimeKeys: Q\n",
                    "hmi.bad.jsd:5: PrimeKeys: 'Q' is a per-segment keyword and cannot be prime");
        }

        @Test
        void perSegmentWithoutSegments() {
            fails(HEAD + "Keyword: Q, int, variable, segment, 0, %d, none, \"q\"\n",
                    "hmi.bad.jsd:3: Keyword: 'Q' is declared per segment, but the file has no Data: lines");
        }

        @Test
        void unknownPrimeKey() {
            fails(HEAD + "Keyword: A, int, variable, record, 0, %d, none, \"a\"\nPrimeKeys: A, B\n",
                    "hmi.bad.jsd:4: PrimeKeys: no keyword 'B' is defined in this file");
        }

        @Test
        void tooManyPrimeKeys() {
            StringBuilder sb = new StringBuilder(HEAD);
            StringBuilder pk = new StringBuilder("PrimeKeys: ");
            for (int i = 0; i < 16; i++) {
                sb.append("Keyword: K").append(i).append(", int, variable, record, 0, %d, none, \"k\"\n");
                pk.append(i == 0 ? "" : ", ").append("K").append(i);
            }
            fails(sb + pk.toString() + "\n", "hmi.bad.jsd:19: PrimeKeys: at most 15 prime keys are allowed");
        }

        @Test
        void reservedKeywordName() {
            fails(HEAD + "Keyword: select, int, variable, record, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: 'select' is a reserved name");
        }

        @Test
        void reservedIndexSuffix() {
            fails(HEAD + "Keyword: FOO_index, longlong, variable, record, 0, %lld, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: 'FOO_index' is a reserved name");
        }

        @Test
        void keywordNamesThatAreRecordColumns() {
            fails(HEAD + "Keyword: SUNUM, longlong, variable, record, 0, %lld, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: 'SUNUM' would collide with a column every record has");
            fails(HEAD + "Keyword: ln_dark, int, variable, record, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: 'ln_dark' would collide");
            fails(HEAD + "Keyword: sg_000_file, string, variable, record, \"\", %s, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: 'sg_000_file' would collide");
        }

        @Test
        void badKeywordName() {
            fails(HEAD + "Keyword: 1ABC, int, variable, record, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: expected a keyword name");
            fails(HEAD + "Keyword: ABCDEFGHIJKLMNOPQRSTUVWXYZ_012345, int, variable, record, 0, %d, none, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: keyword name 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_012345' is longer than 31");
        }

        @Test
        void duplicateKeyword() {
            fails(HEAD + "Keyword: A, int, variable, record, 0, %d, none, \"a\"\n"
                            + "Keyword: a, int, variable, record, 0, %d, none, \"a\"\n",
                    "hmi.bad.jsd:4: Keyword: 'a' is defined twice (first at line 3)");
        }

        @Test
        void lineWithoutTag() {
            fails(HEAD + "Keyword X, int\n", "hmi.bad.jsd:3: expected '<Word>:'");
        }

        @Test
        void missingSeriesname() {
            fails("Unitsize: 1\n", "hmi.bad.jsd: Seriesname: missing");
        }

        @Test
        void badSeriesname() {
            fails("Seriesname: nodot\n", "hmi.bad.jsd:1: Seriesname: expected '<namespace>.<name>'");
        }

        @Test
        void unitsizeNeededForSegments() {
            fails("Seriesname: test.u\nData: a, variable, int, 1, 4, \"dn\", generic, \"a\"\n",
                    "hmi.bad.jsd: Unitsize: the series has segments");
            fails("Seriesname: test.u\nUnitsize: 0\n", "hmi.bad.jsd:2: Unitsize: the unit size must be at least 1");
        }

        @Test
        void linkedKeywordNeedsALink() {
            fails(HEAD + "Keyword: X, link, NOPE, T_OBS, \"x\"\n",
                    "hmi.bad.jsd:3: Keyword: keyword 'X' uses link 'NOPE', which no Link: line defines");
        }

        @Test
        void badLinkType() {
            fails(HEAD + "Link: L, a.b, sticky, \"x\"\n",
                    "hmi.bad.jsd:3: Link: expected a link type (static, dynamic), found 'sticky'");
        }
    }

    @Nested
    class SlottedKeys {
        static final String TS = HEAD
                + "Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, \"t\"\n"          // 3
                + "Keyword: T_REC_epoch, time, constant, record, MDI_EPOCH, 0, TAI, \"e\"\n";        // 4

        @Test
        void declaredIndexKeywordRefused() {
            fails(TS + "Keyword: T_REC_step, float, constant, record, 45, %f, secs, \"s\"\n"
                            + "Keyword: T_REC_index, longlong, variable, record, 0, %lld, none, \"i\"\n"
                            + "PrimeKeys: T_REC\n",
                    "hmi.bad.jsd:6: Keyword: 'T_REC_index' may not be declared");
        }

        @Test
        void slottedKeyMustBePrime() {
            fails(TS + "Keyword: T_REC_step, float, constant, record, 45, %f, secs, \"s\"\n",
                    "hmi.bad.jsd:3: Keyword: slotted keyword 'T_REC' (ts_eq) must be listed in PrimeKeys:");
        }

        @Test
        void missingStep() {
            fails(TS + "PrimeKeys: T_REC\n",
                    "hmi.bad.jsd:3: Keyword: slotted keyword 'T_REC' (ts_eq) requires a constant keyword"
                            + " 'T_REC_step'");
        }

        @Test
        void missingEpoch() {
            fails(HEAD + "Keyword: T, time, ts_slot, record, 0, 0, TAI, \"t\"\nPrimeKeys: T\n",
                    "hmi.bad.jsd:3: Keyword: slotted keyword 'T' (ts_slot) requires a constant keyword 'T_epoch'");
        }

        @Test
        void ancillaryMustBeConstant() {
            fails(TS + "Keyword: T_REC_step, float, variable, record, 45, %f, secs, \"s\"\nPrimeKeys: T_REC\n",
                    "hmi.bad.jsd:5: Keyword: 'T_REC_step' of slotted keyword 'T_REC' must be constant");
        }

        @Test
        void zeroStepRefused() {
            fails(TS + "Keyword: T_REC_step, float, constant, record, 0.0, %f, secs, \"s\"\nPrimeKeys: T_REC\n",
                    "hmi.bad.jsd:5: Keyword: 'T_REC_step' must give a non-zero step");
        }

        @Test
        void badUnitRefused() {
            fails(TS + "Keyword: T_REC_step, float, constant, record, 1, %f, none, \"s\"\n"
                            + "Keyword: T_REC_unit, string, constant, record, fortnights, %s, none, \"u\"\n"
                            + "PrimeKeys: T_REC\n",
                    "hmi.bad.jsd:6: Keyword: 'T_REC_unit' must be a string, one of");
        }

        @Test
        void slotNeedsBase() {
            fails(HEAD + "Keyword: LAT, double, slot, record, 0, %f, deg, \"l\"\n"
                            + "Keyword: LAT_step, double, constant, record, 1, %f, deg, \"s\"\nPrimeKeys: LAT\n",
                    "hmi.bad.jsd:3: Keyword: slotted keyword 'LAT' (slot) requires a constant keyword 'LAT_base'");
        }

        @Test
        void carrNeedsStep() {
            fails(HEAD + "Keyword: CR, double, carr, record, 0, %f, deg, \"c\"\nPrimeKeys: CR\n",
                    "hmi.bad.jsd:3: Keyword: slotted keyword 'CR' (carr) requires a constant keyword 'CR_step'");
        }

        @Test
        void enumNeedsNothing() {
            SeriesDefinition def = parser.parse("e.jsd", HEAD
                    + "Keyword: W, int, enum, record, 0, %d, none, \"w\"\nPrimeKeys: W\n");
            assertThat(def.keyword("W_index").orElseThrow().implicit()).isTrue();
        }
    }
}
