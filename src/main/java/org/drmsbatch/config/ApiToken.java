package org.drmsbatch.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The API token scripts and the command line send as {@code Authorization: Bearer <token>}: the configured
 * {@code drms.security.token} (environment {@code DRMS_API_TOKEN}) or, when none is configured, a token generated
 * once and kept in {@code <home>/api-token} with owner-only permissions (0600), which local clients (the demo,
 * scripts on this host) read from there. The token's text is never part of {@link #toString()}.
 */
public final class ApiToken {

    /** The file of the generated token, in the home. */
    public static final String FILE = "api-token";
    /** The shortest token accepted from configuration. */
    public static final int MIN_LENGTH = 16;

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final String value;
    private final String origin;

    private ApiToken(String value, String origin) {
        this.value = value;
        this.origin = origin;
    }

    /**
     * The configured token when {@code configured} is not blank (refused when shorter than {@link #MIN_LENGTH}),
     * else the one kept in the home, generated now when there is none.
     */
    public static ApiToken resolve(String configured, Path home) {
        if (configured != null && !configured.isBlank()) {
            String t = configured.strip();
            if (t.length() < MIN_LENGTH) {
                throw new IllegalStateException("drms.security.token (DRMS_API_TOKEN) is " + t.length()
                        + " characters long; use at least " + MIN_LENGTH + " random characters");
            }
            return new ApiToken(t, "drms.security.token");
        }
        return new ApiToken(readOrCreate(home.resolve(FILE)), "~/" + FILE);
    }

    /** The token kept in the home, if there is one (for local clients of a server on the same home). */
    public static java.util.Optional<ApiToken> kept(Path home) {
        Path file = home.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new ApiToken(read(file), "~/" + FILE));
    }

    private static String readOrCreate(Path file) {
        if (Files.isRegularFile(file)) {
            return read(file);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".api-token", ".tmp",
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            try {
                Files.writeString(tmp, token + "\n", StandardCharsets.US_ASCII, StandardOpenOption.SYNC);
                try {
                    // a hard link never replaces: when two processes generate at once, the first one's token stays
                    Files.createLink(file, tmp);
                } catch (FileAlreadyExistsException e) {
                    return read(file);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            return token;
        } catch (UnsupportedOperationException | IOException e) {
            throw new IllegalStateException("cannot keep the API token in " + file + ": " + e.getMessage()
                    + "; set drms.security.token (DRMS_API_TOKEN) instead", e);
        }
    }

    private static String read(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException(file + " can be read by others ("
                        + PosixFilePermissions.toString(perms) + "): chmod 600 it, or delete it to get a new token");
            }
            String t = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (t.length() < MIN_LENGTH) {
                throw new IllegalStateException(file + " holds no token; delete it to get a new one");
            }
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API token in " + file, e);
        }
    }

    /** The token's text: for sending it, never for printing it. */
    public String value() {
        return value;
    }

    /** Where the token came from, {@code drms.security.token} or {@code ~/api-token}: safe to print. */
    public String origin() {
        return origin;
    }

    /** Whether the text is this token, compared in constant time. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
                candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code Bearer <token>}: the Authorization header's value. */
    public String bearer() {
        return "Bearer " + value;
    }

    @Override
    public String toString() {
        return "API token from " + origin;
    }
}
