package org.brickd.types;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The shared grammar of {@link Wwpn} and {@link Wwnn}: a 64-bit Fibre Channel name written as
 * 16 hex digits, {@code 0x} + 16 hex digits (sysfs {@code port_name}), or 8 colon-separated
 * pairs (switch and array consoles), in any case. Canonical form: 16 lowercase hex digits.
 */
final class FcName {

    static final int MAX_LENGTH = 23;

    private static final Pattern PLAIN = Pattern.compile("(?:0x)?([0-9a-f]{16})");
    private static final Pattern PAIRS = Pattern.compile("[0-9a-f]{2}(?::[0-9a-f]{2}){7}");
    private static final Pattern SOME_HEX = Pattern.compile("(?:0x)?([0-9a-f]+)");

    private FcName() {
    }

    static String canonical(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        String s = raw.toLowerCase(Locale.ROOT);
        var plain = PLAIN.matcher(s);
        if (plain.matches()) {
            return plain.group(1);
        }
        if (PAIRS.matcher(s).matches()) {
            return s.replace(":", "");
        }
        var some = SOME_HEX.matcher(s);
        if (some.matches()) {
            throw Check.bad(field, raw, "has " + some.group(1).length() + " hex digits; an FC name has exactly 16");
        }
        throw Check.bad(field, raw, "is not 16 hex digits, 0x + 16 hex digits, or 8 colon-separated hex pairs");
    }

    static String withColons(String hex) {
        StringBuilder b = new StringBuilder(23);
        for (int i = 0; i < 16; i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, i + 2);
        }
        return b.toString();
    }
}
