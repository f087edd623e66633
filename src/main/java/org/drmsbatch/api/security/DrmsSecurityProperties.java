package org.drmsbatch.api.security;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code drms.security.*}: who may call the REST API.
 *
 * @param token     the API token scripts send as {@code Authorization: Bearer …} (environment
 *                  {@code DRMS_API_TOKEN}); blank: one is generated and kept in {@code <home>/api-token} (0600).
 *                  The token has every role.
 * @param users     people who log in with HTTP Basic: name → hashed password ({@code {bcrypt}…}, made by
 *                  {@code drms hash-password}) and roles
 * @param openReads whether reading endpoints (job executions, buffer state, the status page, downloads) answer
 *                  without credentials; false: they need the role {@code read}
 * @param jsoc      the JSOC API's own gates
 */
@ConfigurationProperties(prefix = "drms.security")
public record DrmsSecurityProperties(String token, Map<String, User> users, Boolean openReads, Jsoc jsoc) {

    /** The roles, each including the ones before it: read &lt; operate &lt; admin. */
    public enum Role {
        /** reads job executions, the buffer, the status page, downloads (when reads are closed) */
        READ,
        /** starts, stops and restarts jobs; streams, freezes and cleans the buffer */
        OPERATE,
        /** recovers executions left by dead processes; everything else */
        ADMIN;

        static Role of(String name, String where) {
            try {
                return valueOf(name.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": unknown role '" + name + "' (read, operate or admin)");
            }
        }
    }

    /** Encodings of hashed secrets that {@code DelegatingPasswordEncoder} knows; {@code {noop}} is plain text. */
    private static final Pattern HASHED = Pattern.compile("\\{(bcrypt|argon2@SpringSecurity_v5_8|argon2|pbkdf2"
            + "@SpringSecurity_v5_8|pbkdf2|scrypt@SpringSecurity_v5_8|scrypt)}.+");
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");

    public DrmsSecurityProperties {
        users = users == null ? Map.of() : Map.copyOf(users);
        if (openReads == null) {
            openReads = true;
        }
        if (jsoc == null) {
            jsoc = new Jsoc(true, true);
        }
        users.forEach((name, user) -> {
            String where = "drms.security.users." + name;
            if (!USER_NAME.matcher(name).matches()) {
                throw new IllegalStateException(where + ": a user name is 1 to 64 letters, digits or _ . @ -");
            }
            if (user == null || user.password() == null || !HASHED.matcher(user.password()).matches()) {
                throw new IllegalStateException(where + ".password must be a hashed secret such as {bcrypt}$2a$…"
                        + " (make one with: drms hash-password); plain text is refused");
            }
            if (user.roles() == null || user.roles().isEmpty()) {
                throw new IllegalStateException(where + ".roles is empty (read, operate or admin)");
            }
            user.roles().forEach(r -> Role.of(r, where + ".roles"));
        });
    }

    /**
     * @param password the hashed secret, {@code {bcrypt}$2a$…}
     * @param roles    read, operate and/or admin
     */
    public record User(String password, List<String> roles) {
        @Override
        public String toString() {
            return "User[roles=" + roles + "]"; // never the hash
        }
    }

    /**
     * @param openReads   whether {@code jsoc_info}, {@code show_series}, {@code jsoc_fetch op=exp_status|exp_su}
     *                    answer without credentials (JSOC: yes); false: they need the role {@code read}
     * @param openExports whether {@code jsoc_fetch op=exp_request} is open to anyone whose notification address
     *                    passes {@code drms.export.allowed-addresses} (JSOC's registered-address check); false: it
     *                    needs the role {@code operate}
     */
    public record Jsoc(Boolean openReads, Boolean openExports) {
        public Jsoc {
            if (openReads == null) {
                openReads = true;
            }
            if (openExports == null) {
                openExports = true;
            }
        }
    }

    @Override
    public String toString() {
        return "DrmsSecurityProperties[users=" + users.keySet() + ", openReads=" + openReads + ", jsoc=" + jsoc
                + "]"; // never the token
    }
}
