package org.brickd.types;

import java.util.EnumSet;
import java.util.Set;
import org.brickd.errors.InvalidInputException;

/**
 * The rules every outside string meets before a type's own grammar looks at it. They are
 * stricter than any one grammar needs, on purpose: a value that passes here is safe to put
 * in an argv, a sysfs write, a log line or a path component, whatever the grammar allows.
 */
final class Check {

    /** The two characters a few grammars need that the common rules otherwise refuse. */
    enum Allow {
        /** T10 vendor ids in the kernel's form carry padding spaces. */
        SPACE,
        /** Device paths. */
        SLASH
    }

    /**
     * Characters a shell, a glob or a quoting layer would act on. Brackets are left to each
     * grammar: IPv6 portals need them, and every other grammar refuses them anyway.
     */
    private static final String SHELL_META = ";|&$`()<>'\"\\*?{}~!#";

    private Check() {
    }

    /** Returns {@code raw} unchanged when it passes the common rules; throws naming {@code field} otherwise. */
    static String text(String field, String raw, int max, Allow... allow) {
        Set<Allow> allowed = allow.length == 0 ? EnumSet.noneOf(Allow.class) : EnumSet.of(allow[0], allow);
        if (raw == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (raw.isEmpty()) {
            throw bad(field, raw, "is empty");
        }
        // Characters before length: a stray trailing newline is a likelier mistake than a long value,
        // and naming it tells the caller what to fix.
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw bad(field, raw, "contains a control character");
            }
            if (c > 0x7e) {
                throw bad(field, raw, "contains a non-ASCII character");
            }
            if (c == ' ' && !allowed.contains(Allow.SPACE)) {
                throw bad(field, raw, "contains whitespace");
            }
            if (c == '/' && !allowed.contains(Allow.SLASH)) {
                throw bad(field, raw, "contains '/'");
            }
            if (SHELL_META.indexOf(c) >= 0) {
                throw bad(field, raw, "contains the shell metacharacter '" + c + "'");
            }
        }
        if (raw.length() > max) {
            throw bad(field, raw, "is " + raw.length() + " characters long; at most " + max + " are allowed");
        }
        if (raw.contains("..")) {
            throw bad(field, raw, "contains '..'");
        }
        return raw;
    }

    static InvalidInputException bad(String field, Object raw, String reason) {
        return new InvalidInputException(field, raw, reason);
    }

    /**
     * Reads a canonical unsigned decimal ("0", or no leading zero), or returns -1 when
     * {@code s} is not one or does not fit a long. Leading zeros are refused because the
     * kernel never prints them and some readers take them as octal.
     */
    static long unsigned(String s) {
        if (s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException tooBig) {
            return -1;
        }
    }

    /** True when {@code s} is non-empty and only lowercase hex digits. */
    static boolean isLowerHex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
