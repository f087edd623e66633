package org.drmsbatch.buffer;

import java.util.Arrays;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a chunk body {@code {"h": [numbers…], "t": [t0, dt]}} token by token, so that every complaint names the
 * JSON pointer, line and column of what is wrong. Members other than h and t are ignored (as glitchflow's binding
 * does); a duplicate h or t, trailing content, NaN/Infinity and numbers that overflow a double are refused.
 */
final class ChunkParser {

    private static final JsonFactory FACTORY = new JsonFactory();

    private ChunkParser() {
    }

    static Chunk parse(byte[] json) {
        Members m = members(json, true);
        return new Chunk(m.h(), m.t()[0], m.t()[1]);
    }

    /**
     * Only t0 of a chunk body, with t checked as {@link #parse} checks it; the samples are skipped unconverted (about
     * a third of the work of a full parse on a 16 384-sample chunk). A bad sample goes unnoticed here.
     */
    static double t0(byte[] json) {
        return members(json, false).t()[0];
    }

    /** h (null when not {@code samples}) and t of a body. */
    private record Members(double[] h, double[] t) {
    }

    private static Members members(byte[] json, boolean samples) {
        if (json == null || json.length == 0) {
            throw new InvalidChunkException("the body is empty; expected a JSON object {\"h\": [...], \"t\": [t0, dt]}",
                    "", 0, 0);
        }
        try (JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            JsonToken tok = p.nextToken();
            if (tok != JsonToken.START_OBJECT) {
                throw invalid(p, "expected a JSON object {\"h\": [...], \"t\": [t0, dt]}, found " + describe(tok), "");
            }
            double[] h = null;
            boolean seenH = false;
            double[] t = null;
            while ((tok = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                TokenStreamLocation at = p.currentTokenLocation();
                p.nextToken();
                switch (name) {
                    case "h" -> {
                        if (seenH) {
                            throw invalid(at, "duplicate member h", "/h");
                        }
                        seenH = true;
                        if (samples) {
                            h = numbers(p, "/h");
                            if (h.length == 0) {
                                throw invalid(p, "h is empty; it must hold at least one sample", "/h");
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "t" -> {
                        if (t != null) {
                            throw invalid(at, "duplicate member t", "/t");
                        }
                        TokenStreamLocation start = p.currentTokenLocation();
                        t = numbers(p, "/t");
                        if (t.length != 2) {
                            throw invalid(start, "t must be [t0, dt], two numbers; found " + t.length, "/t");
                        }
                        if (!(t[1] > 0)) {
                            throw invalid(p, "dt must be > 0, not " + t[1], "/t/1");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (tok != JsonToken.END_OBJECT) {
                throw invalid(p, "malformed JSON object", "");
            }
            if (!seenH) {
                throw invalid(p, "missing member h (the samples)", "/h");
            }
            if (t == null) {
                throw invalid(p, "missing member t ([t0, dt])", "/t");
            }
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw invalid(p, "unexpected content after the JSON object: " + describe(trailing), "");
            }
            return new Members(h, t);
        } catch (InvalidChunkException e) {
            throw e;
        } catch (JacksonException e) {
            TokenStreamLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw new InvalidChunkException("not JSON: " + (nl > 0 ? msg.substring(0, nl) : msg), "",
                    loc != null ? Math.max(loc.getLineNr(), 0) : 0, loc != null ? Math.max(loc.getColumnNr(), 0) : 0);
        }
    }

    /** The array of finite numbers at the current token (which must be START_ARRAY). */
    private static double[] numbers(JsonParser p, String pointer) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw invalid(p, pointer.substring(1) + " must be an array of numbers, found " + describe(p.currentToken()),
                    pointer);
        }
        double[] v = new double[64];
        int n = 0;
        JsonToken tok;
        while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
            if (tok != JsonToken.VALUE_NUMBER_INT && tok != JsonToken.VALUE_NUMBER_FLOAT) {
                throw invalid(p, pointer.substring(1) + "[" + n + "] is " + describe(tok) + ", not a number",
                        pointer + "/" + n);
            }
            double d = p.getDoubleValue();
            if (!Double.isFinite(d)) {
                throw invalid(p, pointer.substring(1) + "[" + n + "] = " + p.getText() + " is not a finite double",
                        pointer + "/" + n);
            }
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = d;
        }
        return Arrays.copyOf(v, n);
    }

    private static String describe(JsonToken tok) {
        if (tok == null) {
            return "the end of the body";
        }
        return switch (tok) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> tok.name();
        };
    }

    private static InvalidChunkException invalid(JsonParser p, String detail, String pointer) {
        return invalid(p.currentTokenLocation(), detail, pointer);
    }

    private static InvalidChunkException invalid(TokenStreamLocation at, String detail, String pointer) {
        return new InvalidChunkException(detail, pointer, at == null ? 0 : Math.max(at.getLineNr(), 0),
                at == null ? 0 : Math.max(at.getColumnNr(), 0));
    }
}
