package org.drmsbatch.api;

import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON text of the JSOC API's answers: ASCII only, every other character escaped as {@code \\uXXXX}, because
 * the python {@code drms} client decodes JSOC's answers as Latin-1 (its {@code ServerConfig.encoding}); escaped,
 * a description such as {@code Ångström} arrives intact whatever the client decodes with.
 */
final class JsocJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private JsocJson() {
    }

    /** A generator writing such JSON text (ASCII, escaped) to {@code out}, for answers too large to build first. */
    static JsonGenerator generator(OutputStream out) {
        return MAPPER.createGenerator(out);
    }

    static String text(Object answer) {
        return MAPPER.writeValueAsString(answer);
    }

    /** An error answer: {@code {"status":N,"error":"..."}} (1 for jsoc_info and show_series, JSOC's code for jsoc_fetch). */
    static Map<String, Object> error(int status, String message) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status);
        out.put("error", message);
        return out;
    }
}
