package org.brickd.types;

/**
 * A Fibre Channel world wide port name, 64 bits. Accepts {@code 200002000000000a},
 * {@code 0x200002000000000a} or {@code 20:00:02:00:00:00:00:0a}, any case; canonical form
 * and {@link #toString()} are 16 lowercase hex digits. At most {@value #MAX_LENGTH} characters.
 */
public record Wwpn(String hex) {

    public static final String FIELD = "wwpn";
    public static final int MAX_LENGTH = FcName.MAX_LENGTH;

    /** Normalises {@code hex}, which may be in any accepted form. */
    public Wwpn {
        hex = FcName.canonical(FIELD, hex);
    }

    public static Wwpn parse(String raw) {
        return parse(FIELD, raw);
    }

    public static Wwpn parse(String field, String raw) {
        return new Wwpn(FcName.canonical(field, raw));
    }

    /** {@code 20:00:02:00:00:00:00:0a}. */
    public String withColons() {
        return FcName.withColons(hex);
    }

    /** {@code 0x200002000000000a}, as sysfs prints it. */
    public String with0x() {
        return "0x" + hex;
    }

    @Override
    public String toString() {
        return hex;
    }
}
