package org.brickd.errors;

/**
 * Outside input that does not parse. Names the field and shows the offending value
 * (quoted, control characters escaped, cut to a readable length) so a caller can fix it.
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
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
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
}
