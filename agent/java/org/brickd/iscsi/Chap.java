package org.brickd.iscsi;

import java.util.Optional;
import org.brickd.errors.InvalidInputException;

/**
 * CHAP credentials for a session or for discovery. Mutual CHAP when the *_in pair is set.
 * toString never shows a secret.
 */
public record Chap(String username, String password, Optional<String> usernameIn, Optional<String> passwordIn) {

    private static final int MAX = 255;

    public Chap {
        validate("auth_", username, password, usernameIn, passwordIn);
    }

    /**
     * As the constructor, but errors name the keys as the caller spells them, e.g. with
     * {@code keyPrefix} "data.discovery_auth_" for connection_info's discovery credentials.
     */
    public static Chap of(String keyPrefix, String username, String password, Optional<String> usernameIn,
            Optional<String> passwordIn) {
        validate(keyPrefix, username, password, usernameIn, passwordIn);
        return new Chap(username, password, usernameIn, passwordIn);
    }

    private static void validate(String prefix, String username, String password, Optional<String> usernameIn,
            Optional<String> passwordIn) {
        check(prefix + "username", username);
        check(prefix + "password", password);
        usernameIn.ifPresent(u -> check(prefix + "username_in", u));
        passwordIn.ifPresent(p -> check(prefix + "password_in", p));
        if (usernameIn.isPresent() != passwordIn.isPresent()) {
            throw new InvalidInputException(prefix + "username_in", usernameIn.orElse(null),
                    "mutual CHAP needs both " + prefix + "username_in and " + prefix + "password_in");
        }
    }

    public boolean mutual() {
        return usernameIn.isPresent();
    }

    /**
     * What open-iscsi's record can hold as the value of one line: no control character, and no
     * blank at either end (its parser strips them, so the target would be sent another secret).
     */
    private static void check(String field, String v) {
        if (v == null || v.isEmpty() || v.length() > MAX) {
            throw new InvalidInputException(field, v == null ? null : "(" + (v == null ? 0 : v.length()) + " chars)",
                    "must be 1.." + MAX + " characters");
        }
        if (!v.equals(v.strip())) {
            throw new InvalidInputException(field, "(hidden)", "begins or ends with a blank, which open-iscsi's node"
                    + " record drops");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidInputException(field, "(hidden)", "contains a control character");
            }
        }
    }

    @Override
    public String toString() {
        return "Chap[" + username + (mutual() ? ", mutual" : "") + "]";
    }
}
