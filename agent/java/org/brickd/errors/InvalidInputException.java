package org.brickd.errors;

/**
 * Outside input that does not parse. Names the field and shows the offending value
 * (quoted, control and format characters escaped, cut to a readable length) so a caller can fix it.
 */
public final class InvalidInputException extends BrickException {

    private static final int SHOWN_CHARS = 80;

    private final String field;

    public InvalidInputException(String field, Object value, String reason) {
        super(Code.INVALID_INPUT, "invalid " + field + " " + show(value) + ": " + reason);
        this.field = field;
    }

    public String field() {
        return field;
    }

    /** Renders a bad value safely for a log line or an error message. */
    public static String show(Object value) {
        if (value == null) {
            return "(missing)";
        }
        String s = String.valueOf(value);
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), SHOWN_CHARS);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (unprintable(c)) {
                escape(b, c);
            } else if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        b.append('"');
        if (s.length() > n) {
            b.append("… (").append(s.length()).append(" chars)");
        }
        return b.toString();
    }

    /**
     * {@code text} with its unprintable characters escaped and nothing else changed: for a
     * message that quotes outside bytes on its own terms, such as a JSON parser's.
     */
    public static String printable(String text) {
        if (text == null || text.chars().noneMatch(c -> unprintable((char) c))) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unprintable(c)) {
                escape(b, c);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void escape(StringBuilder b, char c) {
        b.append(String.format(c <= 0xff ? "\\x%02x" : "\\u%04x", (int) c));
    }

    /**
     * C0 and C1 controls, DEL, line and paragraph separators, and format characters (bidi
     * overrides, zero-width ones): shown raw, each could split a log line or disguise the value.
     */
    private static boolean unprintable(char c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }
}
