package org.brickd.testing;

import org.brickd.errors.BrickException;
import org.brickd.errors.InvalidInputException;

/**
 * The invariant the fuzz and property tests hold every parser to: outside input ends either
 * in a clear domain error naming the field, or in values whose host-facing renderings are
 * safe in an argv, a sysfs write or a path. Each check throws {@link AssertionError}, which
 * Jazzer reports as a finding.
 */
public final class SafeValues {

    /** What a shell, glob or quoting layer acts on (brackets are checked separately: IPv6 portals carry them). */
    private static final String SHELL_META = ";|&$`()<>'\"\\*?{}~!#";

    private SafeValues() {
    }

    /** Which characters a rendering may carry beyond letters, digits and {@code - . _ : + @ = ,}. */
    public enum Extra {
        NONE, SPACE, BRACKETS, SLASH
    }

    /**
     * {@code rendered} (what {@code what} yields for the host) is printable ASCII, non-empty, has
     * no shell metacharacter, no "..", no NUL, newline or other control character.
     */
    public static String assertSafeText(String what, String rendered, Extra... extra) {
        if (rendered == null || rendered.isEmpty()) {
            throw new AssertionError(what + " rendered " + (rendered == null ? "null" : "an empty string"));
        }
        boolean space = has(extra, Extra.SPACE);
        boolean brackets = has(extra, Extra.BRACKETS);
        boolean slash = has(extra, Extra.SLASH);
        for (int i = 0; i < rendered.length(); i++) {
            char c = rendered.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                throw new AssertionError(what + " rendered a control or non-ASCII character: " + InvalidInputException.show(rendered));
            }
            if (SHELL_META.indexOf(c) >= 0
                    || (c == ' ' && !space)
                    || ((c == '[' || c == ']') && !brackets)
                    || (c == '/' && !slash)) {
                throw new AssertionError(what + " rendered '" + c + "': " + InvalidInputException.show(rendered));
            }
        }
        if (rendered.contains("..")) {
            throw new AssertionError(what + " rendered '..': " + InvalidInputException.show(rendered));
        }
        return rendered;
    }

    /** {@code path} is absolute, normalised, under /dev or /sys, and each component is safe text. */
    public static String assertHostPath(String what, String path) {
        assertSafeText(what, path, Extra.SLASH);
        if (!(path.startsWith("/dev/") || path.startsWith("/sys/"))) {
            throw new AssertionError(what + " yields a path outside /dev and /sys: " + path);
        }
        String[] parts = path.substring(1).split("/", -1);
        if (parts.length < 2) {
            throw new AssertionError(what + " yields a top directory, not a node under it: " + path);
        }
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) {
                throw new AssertionError(what + " yields a path that is not normalised: " + path);
            }
        }
        return path;
    }

    /**
     * A refusal is clear: it is an input error, names {@code field}, starts "invalid FIELD", and
     * is one printable line however hostile the value was.
     */
    public static void assertClearRefusal(InvalidInputException e, String field) {
        if (e.code() != BrickException.Code.INVALID_INPUT) {
            throw new AssertionError("refusal with code " + e.code(), e);
        }
        if (field != null && !field.equals(e.field())) {
            throw new AssertionError("refusal names field " + e.field() + ", not " + field, e);
        }
        assertClearMessage(e);
    }

    /**
     * The message starts "invalid " and the field, and is one plain line: no C0 or C1 control
     * character, no DEL, no line or paragraph separator (a log reader splits on those), no
     * format character (a bidi override can make a log line read as something else).
     */
    public static void assertClearMessage(InvalidInputException e) {
        String m = e.getMessage();
        if (e.field() == null || e.field().isEmpty() || m == null || !m.startsWith("invalid " + e.field() + " ")) {
            throw new AssertionError("refusal does not name its field: " + m, e);
        }
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                throw new AssertionError("refusal message carries a control character: " + InvalidInputException.show(m), e);
            }
        }
    }

    private static boolean has(Extra[] extra, Extra e) {
        for (Extra x : extra) {
            if (x == e) {
                return true;
            }
        }
        return false;
    }
}
