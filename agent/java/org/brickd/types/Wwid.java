package org.brickd.types;

import java.util.Locale;
import org.brickd.errors.InvalidInputException;

/**
 * A SCSI device identifier (VPD page 0x83 designator), normalised from any of the forms the
 * kernel, udev, multipath and volume drivers write, to one canonical {@code (type, id)}.
 *
 * <p>Accepted forms (prefixes in any case; at most {@value #MAX_LENGTH} characters):
 * <ul>
 *   <li>NAA: {@code naa.<hex>} (kernel sysfs {@code wwid}), {@code 0x<hex>}, bare {@code <hex>},
 *       {@code 3<hex>} (udev {@code ID_SERIAL}, multipath). The NAA hex is 16 digits for
 *       NAA types 1, 2, 3 and 5, and 32 digits for type 6; other lengths and types are
 *       refused.</li>
 *   <li>EUI-64: {@code eui.<hex>} (kernel) or {@code 2<hex>} (udev), 16, 24 or 32 hex
 *       digits.</li>
 *   <li>T10 vendor id: {@code t10.<text>} (kernel, verbatim, padding spaces and all) or
 *       {@code 1<text>} (udev, no spaces).</li>
 * </ul>
 *
 * <p>Telling the unprefixed forms apart: an input made only of hex digits is always NAA or
 * EUI, read by its length: 16 or 32 digits is bare NAA (so it starts 1, 2, 3, 5 or 6); 17 or 33
 * starting with 3 is udev NAA; 17, 25 or 33 starting with 2 is udev EUI-64. Any other
 * all-hex length is refused, never read as a udev T10 id. A non-hex input starting with 1 is
 * a udev T10 id. So a T10 id whose udev text is all hex does not come back from its udev form
 * as T10 (it reads as NAA/EUI or is refused): {@link #matches} then says no, and an identity
 * check reports a mismatch rather than passing.
 *
 * <p>NAA and EUI-64 ids are stored as lowercase hex without prefix. T10 text is stored as
 * given, because the kernel's spacing cannot be rebuilt from udev's; so the same T10 device
 * read from sysfs and from udev gives two unequal values: compare those with
 * {@link #matches(Wwid)}. T10 text is printable ASCII; the common input rules still refuse
 * shell metacharacters, '/', '..' and (in the udev form) spaces; brackets and a leading '.' are refused.
 * The kernel escapes non-printable bytes with a backslash, so such ids are refused too.
 */
public record Wwid(Type type, String id) {

    public static final String FIELD = "wwid";
    /** "t10." and a 255-byte designator, with a byte to spare. */
    public static final int MAX_LENGTH = 260;

    /** The designator type, with udev's one-character prefix for it. */
    public enum Type {
        NAA('3', "naa."), EUI64('2', "eui."), T10('1', "t10.");

        private final char udevPrefix;
        private final String kernelPrefix;

        Type(char udevPrefix, String kernelPrefix) {
            this.udevPrefix = udevPrefix;
            this.kernelPrefix = kernelPrefix;
        }
    }

    /** Normalises {@code id} (hex lowercased; T10 text as given) and checks it suits {@code type}. */
    public Wwid {
        if (type == null) {
            throw new InvalidInputException(FIELD, id, "has no type");
        }
        if (type == Type.T10) {
            Check.text(FIELD, id, MAX_LENGTH, Check.Allow.SPACE);
        } else {
            Check.text(FIELD, id, MAX_LENGTH);
        }
        id = canonicalId(FIELD, id, type, id);
    }

    public static Wwid parse(String raw) {
        return parse(FIELD, raw);
    }

    public static Wwid parse(String field, String raw) {
        boolean kernelT10 = raw != null && raw.regionMatches(true, 0, "t10.", 0, 4);
        if (kernelT10) {
            Check.text(field, raw, MAX_LENGTH, Check.Allow.SPACE);
        } else {
            Check.text(field, raw, MAX_LENGTH);
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        if (kernelT10) {
            return of(field, raw, Type.T10, raw.substring(4));
        }
        if (lower.startsWith("naa.")) {
            return of(field, raw, Type.NAA, lower.substring(4));
        }
        if (lower.startsWith("0x")) {
            return of(field, raw, Type.NAA, lower.substring(2));
        }
        if (lower.startsWith("eui.")) {
            return of(field, raw, Type.EUI64, lower.substring(4));
        }
        if (Check.isLowerHex(lower)) {
            int n = lower.length();
            char first = lower.charAt(0);
            if (n == 16 || n == 32) {
                return of(field, raw, Type.NAA, lower);
            }
            if (first == '3' && (n == 17 || n == 33)) {
                return of(field, raw, Type.NAA, lower.substring(1));
            }
            if (first == '2' && (n == 17 || n == 25 || n == 33)) {
                return of(field, raw, Type.EUI64, lower.substring(1));
            }
            throw Check.bad(field, raw, "has " + n + " hex digits: NAA ids have 16 or 32, udev ids one more"
                    + " (3 + NAA, 2 + EUI-64 of 16, 24 or 32)");
        }
        if (raw.charAt(0) == '1') {
            return of(field, raw, Type.T10, raw.substring(1));
        }
        throw Check.bad(field, raw, "is not a WWID: expected naa., eui., t10. or 0x, bare NAA hex,"
                + " or a udev id starting 3 (NAA), 2 (EUI-64) or 1 (T10)");
    }

    /** The udev/multipath form: {@code 3}+NAA hex, {@code 2}+EUI hex, or {@code 1}+T10 text as udev rewrites it. */
    public String udev() {
        return type.udevPrefix + (type == Type.T10 ? udevText(id) : id);
    }

    /** The kernel's sysfs {@code wwid} form: {@code naa.}, {@code eui.} or {@code t10.} and the id. */
    public String kernel() {
        return type.kernelPrefix + id;
    }

    /**
     * Same device, across forms: equal {@link #udev()} forms. Differs from {@link #equals} only
     * for T10 ids, whose kernel and udev texts differ in spacing.
     */
    public boolean matches(Wwid other) {
        return other != null && udev().equals(other.udev());
    }

    /** The kernel form, which keeps T10 text verbatim. */
    @Override
    public String toString() {
        return kernel();
    }

    private static Wwid of(String field, String raw, Type type, String id) {
        return new Wwid(type, canonicalId(field, raw, type, id));
    }

    private static String canonicalId(String field, String raw, Type type, String id) {
        switch (type) {
            case NAA: {
                String hex = id.toLowerCase(Locale.ROOT);
                if (!Check.isLowerHex(hex)) {
                    throw Check.bad(field, raw, "has a NAA id that is not hex");
                }
                char naa = hex.charAt(0);
                int want = naa == '6' ? 32 : (naa == '1' || naa == '2' || naa == '3' || naa == '5') ? 16 : -1;
                if (want < 0) {
                    throw Check.bad(field, raw,
                            "has NAA type " + naa + "; only 1, 2, 3, 5 (16 hex digits) and 6 (32) exist");
                }
                if (hex.length() != want) {
                    throw Check.bad(field, raw, "has a NAA type " + naa + " id of " + hex.length()
                            + " hex digits; that type has " + want);
                }
                return hex;
            }
            case EUI64: {
                String hex = id.toLowerCase(Locale.ROOT);
                int n = hex.length();
                if (!Check.isLowerHex(hex) || (n != 16 && n != 24 && n != 32)) {
                    throw Check.bad(field, raw, "has an EUI-64 id that is not 16, 24 or 32 hex digits");
                }
                return hex;
            }
            default: {
                if (id.isBlank()) {
                    throw Check.bad(field, raw, "has an empty T10 vendor id");
                }
                // The common rules leave brackets to each grammar; in T10 text they would only be glob characters.
                if (id.indexOf('[') >= 0 || id.indexOf(']') >= 0) {
                    throw Check.bad(field, raw, "has a bracket in its T10 vendor id");
                }
                // "t10." + ".x" would render a '..', and "  .x" would as soon as it came back in udev's
                // form, which strips the spaces (both found by ValueTypesFuzzTest); no vendor id starts with '.'
                if (id.strip().startsWith(".")) {
                    throw Check.bad(field, raw, "has a T10 vendor id starting with '.'");
                }
                return id;
            }
        }
    }

    /**
     * What udev's scsi_id does to an ID_SERIAL (util_replace_whitespace, then
     * util_replace_chars): trim surrounding whitespace, turn each run of whitespace into one
     * '_', and turn any character outside {@code 0-9 A-Z a-z # + - . : = @ _} into '_'.
     */
    private static String udevText(String text) {
        String trimmed = text.strip();
        StringBuilder b = new StringBuilder(trimmed.length());
        boolean inSpace = false;
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c == ' ') {
                if (!inSpace) {
                    b.append('_');
                }
                inSpace = true;
                continue;
            }
            inSpace = false;
            boolean kept = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                    || "#+-.:=@_".indexOf(c) >= 0;
            b.append(kept ? c : '_');
        }
        return b.toString();
    }
}
