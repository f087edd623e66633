package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The JSOC CGIs over a real socket: JSON shapes, JSOC's status codes and error texts, file serving and its refusal
 * of paths that leave their root. (The export job's methods are in {@link JsocExportTest}; the python client in
 * {@link JsocDrmsClientTest}.)
 */
class JsocApiTest extends JsocApiTestSupport {

    static final String NS = "jsocapi";
    static final String IMAGES = NS + ".images";
    private static boolean created;

    @BeforeEach
    void series() {
        synchronized (JsocApiTest.class) {
            if (!created) {
                createSeries(NS);
                created = true;
            }
        }
    }

    // ---------------------------------------------------------------------------------------- show_series

    @Test
    void showSeriesListsNamesPrimeKeysAndNotesAndFilters() throws Exception {
        JsonNode all = cgi("show_series", "filter", "^jsocapi\\.");
        assertThat(all.get("status").asInt()).isZero();
        assertThat(all.get("n").asInt()).isEqualTo(2);
        JsonNode images = find(all.get("names"), IMAGES);
        assertThat(images.get("primekeys").asString()).isEqualTo("T_REC, CAMERA");
        assertThat(images.get("note").asString()).isEqualTo("Images for the JSOC API tests");

        // non-ASCII text arrives escaped, as the python client decodes answers as Latin-1
        HttpResponse<String> raw = get("/cgi-bin/ajax/show_series" + query("filter", "^jsocapi\\.cal$"));
        assertThat(raw.body()).isASCII().containsIgnoringCase("\\u00c5ngstr\\u00f6m");
        assertThat(find(json.readTree(raw.body()).get("names"), NS + ".cal").get("note").asString())
                .isEqualTo("Calibrations (Ångström)");

        JsonNode not = cgi("show_series", "filter", "NOT cal$");
        assertThat(names(not.get("names"))).contains(IMAGES).doesNotContain(NS + ".cal");

        JsonNode bad = cgi("show_series", "filter", "jsocapi[");
        assertThat(bad.get("status").asInt()).isEqualTo(1);
        assertThat(bad.get("error").asString()).startsWith("Series filter format error");
    }

    // ---------------------------------------------------------------------------------------- jsoc_info

    @Test
    void seriesStructDescribesKeywordsSegmentsLinksAndTheRecordInterval() throws Exception {
        JsonNode s = cgi("jsoc_info", "op", "series_struct", "ds", IMAGES + "[$]");
        assertThat(s.get("status").asInt()).isZero();
        assertThat(s.get("note").asString()).isEqualTo("Images for the JSOC API tests");
        assertThat(s.get("unitsize").asInt()).isEqualTo(2);
        assertThat(s.get("retention").asInt()).isEqualTo(7);
        assertThat(names(s.get("primekeys"))).containsExactly("T_REC", "CAMERA");
        assertThat(s.get("primekeysinfo").get(0).get("slotted").asInt()).isEqualTo(1);
        assertThat(s.get("primekeysinfo").get(0).get("step").asString()).isEqualTo("720.0");
        assertThat(s.get("primekeysinfo").get(1).get("slotted").asInt()).isZero();
        assertThat(names(s.get("dbindex"))).containsExactly("T_REC");
        JsonNode trec = findByName(s.get("keywords"), "T_REC");
        assertThat(trec.get("type").asString()).isEqualTo("time");
        assertThat(trec.get("recscope").asString()).isEqualTo("ts_eq");
        assertThat(trec.get("units").asString()).isEqualTo("TAI");
        assertThat(findByName(s.get("keywords"), "QUALITY").get("defval").asString()).isEqualTo("0x00000000");
        assertThat(findByName(s.get("keywords"), "GAIN").get("type").asString()).isEqualTo("double");
        JsonNode image = findByName(s.get("segments"), "image");
        assertThat(image.get("protocol").asString()).isEqualTo("fits");
        assertThat(image.get("dims").asString()).isEqualTo("8x6");
        assertThat(image.get("units").asString()).isEqualTo("DN");
        JsonNode cal = findByName(s.get("links"), "CAL");
        assertThat(cal.get("target").asString()).isEqualTo(NS + ".cal");
        assertThat(cal.get("kind").asString()).isEqualTo("STATIC");
        JsonNode interval = s.get("Interval");
        assertThat(interval.get("FirstRecord").asString()).isEqualTo(IMAGES + "[" + T0 + "][1]");
        assertThat(interval.get("LastRecord").asString()).isEqualTo(IMAGES + "[" + T1 + "][2]");
        assertThat(interval.get("MaxRecnum").asLong()).isGreaterThanOrEqualTo(interval.get("LastRecnum").asLong());

        JsonNode unknown = cgi("jsoc_info", "op", "series_struct", "ds", "jsocapi.nosuch");
        assertThat(unknown.get("status").asInt()).isEqualTo(1);
        assertThat(unknown.get("error").asString()).isEqualTo("series not found");
    }

    @Test
    void rsSummaryCountsRecords() throws Exception {
        assertThat(cgi("jsoc_info", "op", "rs_summary", "ds", IMAGES + "[" + T0 + "]").get("count").asInt())
                .isEqualTo(2);
        JsonNode all = cgi("jsoc_info", "op", "rs_summary", "ds", IMAGES + "[]{image}");
        assertThat(all.get("count").asInt()).isEqualTo(4);
        assertThat(all.get("status").asInt()).isZero();
        assertThat(all.has("runtime")).isTrue();
    }

    @Test
    void rsListGivesKeywordSegmentAndLinkValuesPerRecord() throws Exception {
        JsonNode r = cgi("jsoc_info", "op", "rs_list", "ds", IMAGES + "[2010.05.01_TAI/1h]",
                "key", "T_REC,CAMERA,EXPTIME,GAIN,QUALITY,*recnum*,*online*,*size*,NOPE", "seg", "image,nope",
                "link", "CAL", "R", "1");
        assertThat(r.get("status").asInt()).isZero();
        assertThat(r.get("count").asInt()).isEqualTo(4);
        JsonNode keys = r.get("keywords");
        assertThat(strings(findByName(keys, "T_REC").get("values"))).containsExactly(T0, T0, T1, T1);
        assertThat(strings(findByName(keys, "CAMERA").get("values"))).containsExactly("1", "2", "1", "2");
        assertThat(strings(findByName(keys, "EXPTIME").get("values")))
                .containsExactly("0.250", "0.500", "0.250", "MISSING");
        assertThat(strings(findByName(keys, "GAIN").get("values"))).containsOnly("1.50");
        assertThat(strings(findByName(keys, "QUALITY").get("values"))).containsOnly("0x00000000");
        assertThat(findByName(keys, "*recnum*").get("values").get(0).isNumber()).isTrue();
        assertThat(strings(findByName(keys, "*online*").get("values"))).containsOnly("Y");
        assertThat(Long.parseLong(findByName(keys, "*size*").get("values").get(0).asString())).isPositive();
        assertThat(strings(findByName(keys, "NOPE").get("values"))).containsOnly("Invalid KeyLink");
        JsonNode image = findByName(r.get("segments"), "image");
        assertThat(strings(image.get("dims"))).containsOnly("8x6");
        assertThat(strings(image.get("cparms"))).containsOnly("compress Rice");
        assertThat(strings(image.get("bscales"))).hasSize(4);
        assertThat(strings(findByName(r.get("segments"), "nope").get("values"))).containsOnly("InvalidSegName");
        assertThat(strings(findByName(r.get("links"), "CAL").get("values")).get(0)).matches(NS + "\\.cal\\[:#\\d+]");
        assertThat(r.get("recinfo").get(0).get("name").asString()).isEqualTo(IMAGES + "[" + T0 + "][1]");
        assertThat(r.get("recinfo").get(0).get("online").asInt()).isEqualTo(1);

        // the segment path is where the file is served: the same bytes as the stored file
        String path = image.get("values").get(1).asString();
        assertThat(path).matches("/sums/SUM0/D\\d+/S\\d{5}/image\\.fits");
        Record rec = drms.read(s -> s.open(IMAGES, 2).get(1));
        HttpResponse<byte[]> file = getBytes("/download" + path);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(Files.readAllBytes(rec.segmentPath("image")));

        JsonNode last = cgi("jsoc_info", "op", "rs_list", "ds", IMAGES + "[]", "key", "**ALL**", "n", "-1");
        assertThat(last.get("count").asInt()).isEqualTo(1);
        assertThat(strings(findByName(last.get("keywords"), "CAMERA").get("values"))).containsExactly("2");
        assertThat(names(last.get("keywords"))).contains("T_REC", "EXPTIME", "GAIN").doesNotContain("T_REC_index");

        JsonNode none = cgi("jsoc_info", "op", "rs_list", "ds", IMAGES + "[2011.01.01_TAI]", "key", "T_REC");
        assertThat(none.get("count").asInt()).isZero();
        assertThat(none.has("keywords")).isFalse();
    }

    @Test
    void jsocInfoErrorsAreStatusOneWithTheirText() throws Exception {
        JsonNode badQuery = cgi("jsoc_info", "op", "rs_list", "ds", IMAGES + "[2010.05.01_TAI/1h", "key", "T_REC");
        assertThat(badQuery.get("status").asInt()).isEqualTo(1);
        assertThat(badQuery.get("error").asString()).contains("bad query at position").contains("'['");

        JsonNode unknown = cgi("jsoc_info", "op", "rs_list", "ds", "jsocapi.nosuch[]", "key", "T_REC");
        assertThat(unknown.get("status").asInt()).isEqualTo(1);
        assertThat(unknown.get("error").asString()).isEqualTo("jsoc_info: series not found.");

        JsonNode badOp = cgi("jsoc_info", "op", "rs_nothing", "ds", IMAGES);
        assertThat(badOp.get("status").asInt()).isEqualTo(1);
        assertThat(badOp.get("error").asString()).contains("unknown op 'rs_nothing'");

        // @file would make the server read its own files: refused by the parser itself, however it is hidden
        for (String ds : List.of("@/etc/passwd", IMAGES + ",@/etc/passwd", IMAGES + " #',@/etc/passwd",
                IMAGES + "[\\'],@/etc/passwd")) {
            JsonNode file = cgi("jsoc_info", "op", "rs_list", "ds", ds, "key", "T_REC");
            assertThat(file.get("status").asInt()).as(ds).isEqualTo(1);
            assertThat(file.get("error").asString()).as(ds).doesNotContain("root:");
            JsonNode export = cgi("jsoc_fetch", "op", "exp_request", "ds", ds, "method", "url", "protocol", "fits",
                    "notify", EMAIL);
            assertThat(export.get("status").asInt()).as(ds).isNotZero().isNotEqualTo(2);
            assertThat(export.toString()).as(ds).doesNotContain("root:");
        }
        assertThat(cgi("jsoc_info", "op", "rs_list", "ds", IMAGES + ",@/etc/passwd", "key", "T_REC")
                .get("error").asString()).contains("@file is not allowed here");

        JsonNode badN = cgi("jsoc_info", "op", "rs_list", "ds", IMAGES + "[]", "key", "T_REC", "n", "ten");
        assertThat(badN.get("error").asString()).isEqualTo("n= must be an integer, not 'ten'");
    }

    @Test
    void conditionsWrongForTheirColumnsAreStatusOneWithThePosition() throws Exception {
        String typed = IMAGES + "[][? CAMERA = 'abc' ?]";
        String data = IMAGES + "[][? EXPTIME / (CAMERA - 1) > 0 ?]";
        String deep = IMAGES + "[][? " + "(".repeat(150) + "CAMERA = 1" + ")".repeat(150) + " ?]";
        String ors = IMAGES + "[][? " + String.join(" OR ", java.util.Collections.nCopies(200, "CAMERA = 1")) + " ?]";
        for (String op : List.of("rs_list", "rs_summary")) {
            JsonNode t = cgi("jsoc_info", "op", op, "ds", typed, "key", "T_REC");
            assertThat(t.get("status").asInt()).as(op).isEqualTo(1);
            assertThat(t.get("error").asString()).contains("bad query at position " + (typed.indexOf('=') + 1))
                    .contains("cannot compare");
            JsonNode d = cgi("jsoc_info", "op", op, "ds", data, "key", "T_REC");
            assertThat(d.get("status").asInt()).as(op).isEqualTo(1);
            assertThat(d.get("error").asString()).contains("bad query at position " + (data.indexOf("[?") + 3))
                    .contains("division by zero");
            JsonNode n = cgi("jsoc_info", "op", op, "ds", deep, "key", "T_REC");
            assertThat(n.get("status").asInt()).as(op).isEqualTo(1);
            assertThat(n.get("error").asString()).contains("nests too deeply");
            JsonNode many = cgi("jsoc_info", "op", op, "ds", ors, "key", "T_REC");
            assertThat(many.get("status").asInt()).as(op).isZero();
            assertThat(many.get("count").asInt()).as(op).isEqualTo(2); // camera 1 at T0 and T1
        }
    }

    // ---------------------------------------------------------------------------------------- checkAddress.sh

    @Test
    void checkAddressAcceptsTheConfiguredAddressesAsJsocDoes() throws Exception {
        JsonNode ok = cgi("checkAddress.sh", "address", EMAIL, "checkonly", "1");
        assertThat(ok.get("status").asInt()).isEqualTo(2);
        assertThat(ok.get("msg").asString()).isEqualTo("Email address is valid and registered.");
        // the python client encodes the address twice
        assertThat(cgi("checkAddress.sh", "address", enc(EMAIL), "checkonly", "1").get("status").asInt())
                .isEqualTo(2);
        JsonNode other = cgi("checkAddress.sh", "address", "someone@elsewhere.net", "checkonly", "1");
        assertThat(other.get("status").asInt()).isEqualTo(4);
        assertThat(other.get("msg").asString()).startsWith("Email address has neither been validated nor registered");
        JsonNode bad = cgi("checkAddress.sh", "address", "not an address", "checkonly", "1");
        assertThat(bad.get("status").asInt()).isEqualTo(-2);
        assertThat(bad.get("msg").asString()).isEqualTo("Not a valid email address.");
    }

    // ---------------------------------------------------------------------------------------- jsoc_fetch

    @Test
    void urlQuickAsIsIsAnsweredAtOnceWithTheStoredFilesServedForDownload() throws Exception {
        JsonNode r = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[" + T0 + "]{image}", "notify", EMAIL,
                "method", "url_quick", "protocol", "as-is", "format", "json");
        assertThat(r.get("status").asInt()).isZero();
        assertThat(r.get("requestid").asString()).isEmpty();
        assertThat(r.get("method").asString()).isEqualTo("url_quick");
        assertThat(r.get("protocol").asString()).isEqualTo("as-is");
        assertThat(r.get("dir").asString()).isEmpty();
        assertThat(r.get("rcount").asInt()).isEqualTo(2);
        assertThat(r.get("count").asInt()).isEqualTo(2);
        assertThat(r.get("size").asInt()).isEqualTo(1);
        List<Record> records = drms.read(s -> s.open(IMAGES, 2));
        for (int i = 0; i < 2; i++) {
            JsonNode d = r.get("data").get(i);
            assertThat(d.get("record").asString()).isEqualTo(IMAGES + "[" + T0 + "][" + (i + 1) + "]{image}");
            HttpResponse<byte[]> file = getBytes("/download" + d.get("filename").asString());
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.body()).isEqualTo(Files.readAllBytes(records.get(i).segmentPath("image")));
        }
    }

    @Test
    void jsocFetchErrorsHaveJsocsStatusAndText() throws Exception {
        JsonNode unknown = cgi("jsoc_fetch", "op", "exp_request", "ds", "jsocapi.nosuch[]", "notify", EMAIL,
                "method", "url_quick", "protocol", "as-is");
        assertThat(unknown.get("status").asInt()).isEqualTo(4);
        assertThat(unknown.get("error").asString()).isEqualTo("Cannot export series 'jsocapi.nosuch' - it does not exist.");

        JsonNode badQuery = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[2010.05.01_TAI", "notify", EMAIL,
                "method", "url_quick", "protocol", "as-is");
        assertThat(badQuery.get("status").asInt()).isEqualTo(4);
        assertThat(badQuery.get("error").asString()).startsWith("Bad record-set query '" + IMAGES + "[2010.05.01_TAI'.")
                .contains("position");

        JsonNode empty = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[2011.01.01_TAI]", "notify", EMAIL,
                "method", "url_quick", "protocol", "as-is");
        assertThat(empty.get("error").asString()).isEqualTo("There are no files in this RecordSet");

        JsonNode stranger = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[]", "notify", "x@elsewhere.net",
                "method", "url_quick", "protocol", "as-is");
        assertThat(stranger.get("status").asInt()).isEqualTo(4);
        assertThat(stranger.get("error").asString()).startsWith("Cannot process your request. Email address has neither");

        JsonNode noMail = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[]", "method", "url_quick");
        assertThat(noMail.get("error").asString()).isEqualTo(
                "Email address for notification was not specfied. It is required.");

        JsonNode jpg = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[]", "notify", EMAIL,
                "protocol", "jpg,CT=grey.sao");
        assertThat(jpg.get("status").asInt()).isEqualTo(4);
        assertThat(jpg.get("error").asString()).contains("'jpg' is not served here");

        JsonNode patch = cgi("jsoc_fetch", "op", "exp_request", "ds", IMAGES + "[]", "notify", EMAIL,
                "process=n", "0|im_patch,t_ref=2010.05.01_TAI");
        assertThat(patch.get("status").asInt()).isEqualTo(4);
        assertThat(patch.get("error").asString()).isEqualTo(
                "Processing 'im_patch' is not served here: only the record limit n=");

        JsonNode badOp = cgi("jsoc_fetch", "op", "exp_nothing");
        assertThat(badOp.get("status").asInt()).isEqualTo(4);
        assertThat(badOp.get("error").asString()).startsWith("Unknown op 'exp_nothing'");

        assertThat(cgi("jsoc_fetch", "op", "exp_status").get("error").asString())
                .isEqualTo("RequestID must be provided");
        JsonNode badId = cgi("jsoc_fetch", "op", "exp_status", "requestid", "../../etc");
        assertThat(badId.get("status").asInt()).isEqualTo(4);
        assertThat(badId.get("error").asString()).isEqualTo("Bad RequestID '../../etc' provided.");
        JsonNode notFound = cgi("jsoc_fetch", "op", "exp_status", "requestid", "JSOC_20000101_999");
        assertThat(notFound.get("status").asInt()).isEqualTo(6);
        assertThat(notFound.get("error").asString()).isEqualTo("Cant locate export request: JSOC_20000101_999");
    }

    @Test
    void expSuReportsStorageUnitsByStatus() throws Exception {
        Record rec = drms.read(s -> s.open(IMAGES, 1).get(0));
        JsonNode r = cgi("jsoc_fetch", "op", "exp_su", "sunum", rec.sunum() + ",999999999", "method", "url_quick",
                "protocol", "as-is");
        assertThat(r.get("status").asInt()).isZero();
        JsonNode known = r.get("data").get(0);
        assertThat(known.get("sunum").asString()).isEqualTo(Long.toString(rec.sunum()));
        assertThat(known.get("series").asString()).isEqualToIgnoringCase(IMAGES);
        assertThat(known.get("sustatus").asString()).isEqualTo("Y");
        assertThat(known.get("path").asString()).isEqualTo("/sums/SUM0/D" + rec.sunum());
        JsonNode unknown = r.get("data").get(1);
        assertThat(unknown.get("sustatus").asString()).isEqualTo("I");
        assertThat(unknown.get("path").asString()).isEqualTo("NA");
        assertThat(cgi("jsoc_fetch", "op", "exp_su", "sunum", "12,x").get("error").asString())
                .isEqualTo("Invalid argument in exp_su, 'sunum=12,x'.");
    }

    // ---------------------------------------------------------------------------------------- downloads

    @Test
    void pathsThatLeaveTheDownloadRootsAreRefused() throws Exception {
        Path secret = home.resolve("secret.txt");
        Files.writeString(secret, "not for the web");
        Files.createDirectories(home.resolve("exports"));
        for (String path : List.of("/download/exports/../secret.txt", "/download/exports/%2e%2e/secret.txt",
                "/download/exports/..%2fsecret.txt", "/download/exports/%2e%2e%2fsecret.txt",
                "/download/sums/SUM0/../../../secret.txt", "/download/sums/SUM0/%2e%2e/%2e%2e/%2e%2e/secret.txt",
                "/download/exports/..%5csecret.txt", "/download/sums/SUM0/.drms-catalog",
                "/download/sums/SUM0/")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isBetween(400, 499);
            assertThat(r.body()).as(path).doesNotContain("not for the web");
        }
        assertThat(Files.exists(home.resolve("sums/SUM0/.drms-catalog"))).isTrue();
    }

    // ---------------------------------------------------------------------------------------- helpers

    static JsonNode find(JsonNode array, String name) {
        return findByName(array, name);
    }

    static JsonNode findByName(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.get("name").asString().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no " + name + " in " + array);
    }

    static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.isString() ? n.asString() : n.get("name").asString());
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
