package org.drmsbatch.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The e-mail addresses an export request may give in {@code notify}: those the configuration allows
 * ({@code drms.export.allowed-addresses}, a case-insensitive regular expression; all by default). JSOC's
 * {@code checkAddress.sh} answers with the same check.
 */
@Component
public class NotifyAddresses {

    private static final Pattern VALID_ADDRESS = Pattern.compile("\\s*[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,63}\\s*");

    /** JSOC's {@code checkAddress.sh} status of an address this server accepts. */
    static final int ACCEPTED = 2;

    private final Pattern allowedAddresses;
    private final String allowedText;

    public NotifyAddresses(@Value("${drms.export.allowed-addresses:.*}") String allowedAddresses) {
        this.allowedText = allowedAddresses == null || allowedAddresses.isBlank() ? ".*" : allowedAddresses.trim();
        this.allowedAddresses = Pattern.compile(allowedText, Pattern.CASE_INSENSITIVE);
    }

    /**
     * JSOC's {@code checkAddress.sh}: {@code {"status":2,"msg":...}} for an address the configuration allows,
     * 4 for a valid one it does not, -2 for one that is not an address. The python client sends the address
     * URL-encoded twice; it is decoded here once more.
     */
    Map<String, Object> check(String address) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (address == null || address.isBlank()) {
            out.put("status", -2);
            out.put("msg", "Missing required argument.");
            return out;
        }
        String a = decodeOnceMore(address).trim();
        if (!VALID_ADDRESS.matcher(a).matches()) {
            out.put("status", -2);
            out.put("msg", "Not a valid email address.");
        } else if (!allowedAddresses.matcher(a).matches()) {
            out.put("status", 4);
            out.put("msg", "Email address has neither been validated nor registered. This server accepts"
                    + " addresses matching drms.export.allowed-addresses (" + allowedText + ").");
        } else {
            out.put("status", ACCEPTED);
            out.put("msg", "Email address is valid and registered.");
        }
        return out;
    }

    private static String decodeOnceMore(String s) {
        if (!s.contains("%")) {
            return s;
        }
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
