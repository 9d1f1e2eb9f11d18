package org.brickd.types;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An iSCSI name (RFC 3720 §3.2.6, RFC 7143 §4.2.7): {@code iqn.YYYY-MM.reversed.domain[:suffix]},
 * {@code eui.} + 16 hex digits, or {@code naa.} + 16 or 32 hex digits. At most
 * {@value #MAX_LENGTH} bytes.
 *
 * <p>iSCSI names compare case-insensitively and are normalised to lowercase, so input in any
 * case is accepted and stored lowercase. After lowercasing only {@code a-z 0-9 - . :} are
 * allowed: the RFC's stringprep profile permits more, but no target brickd talks to uses it,
 * and the narrower set keeps the name safe in an iscsiadm argv and a sysfs path.
 */
public record Iqn(String value) {

    public static final String FIELD = "target_iqn";
    public static final int MAX_LENGTH = 223;

    /** Which of the three RFC 3720 name formats. */
    public enum Format { IQN, EUI, NAA }

    private static final String LABEL = "[a-z0-9][a-z0-9-]*";
    private static final Pattern IQN = Pattern.compile(
            "iqn\\.([0-9]{4})-([0-9]{2})\\." + LABEL + "(?:\\." + LABEL + ")*(?::[a-z0-9.:-]+)?");
    private static final Pattern EUI = Pattern.compile("eui\\.[0-9a-f]{16}");
    private static final Pattern NAA = Pattern.compile("naa\\.(?:[0-9a-f]{16}|[0-9a-f]{32})");

    /** Normalises {@code value}; refuses anything {@link #parse(String)} would. */
    public Iqn {
        value = canonical(FIELD, value);
    }

    public static Iqn parse(String raw) {
        return parse(FIELD, raw);
    }

    public static Iqn parse(String field, String raw) {
        return new Iqn(canonical(field, raw));
    }

    public Format format() {
        return value.startsWith("iqn.") ? Format.IQN : value.startsWith("eui.") ? Format.EUI : Format.NAA;
    }

    @Override
    public String toString() {
        return value;
    }

    private static String canonical(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        String s = raw.toLowerCase(Locale.ROOT);
        if (s.startsWith("iqn.")) {
            Matcher m = IQN.matcher(s);
            if (!m.matches()) {
                throw Check.bad(field, raw, "is not iqn.YYYY-MM.reversed.domain[:name] using only a-z 0-9 - . :");
            }
            int month = Integer.parseInt(m.group(2));
            if (month < 1 || month > 12) {
                throw Check.bad(field, raw, "has month " + m.group(2) + " in its date; expected 01..12");
            }
            return s;
        }
        if (s.startsWith("eui.")) {
            if (!EUI.matcher(s).matches()) {
                throw Check.bad(field, raw, "is not eui. followed by 16 hex digits");
            }
            return s;
        }
        if (s.startsWith("naa.")) {
            if (!NAA.matcher(s).matches()) {
                throw Check.bad(field, raw, "is not naa. followed by 16 or 32 hex digits");
            }
            return s;
        }
        throw Check.bad(field, raw, "does not start with iqn., eui. or naa.");
    }
}
