package org.brickd.types;

/**
 * A Fibre Channel world wide node name, 64 bits. Accepts {@code 200002000000000a},
 * {@code 0x200002000000000a} or {@code 20:00:02:00:00:00:00:0a}, any case; canonical form
 * and {@link #toString()} are 16 lowercase hex digits. At most {@value #MAX_LENGTH} characters.
 */
public record Wwnn(String hex) {

    public static final String FIELD = "wwnn";
    public static final int MAX_LENGTH = FcName.MAX_LENGTH;

    /** Normalises {@code hex}, which may be in any accepted form. */
    public Wwnn {
        hex = FcName.canonical(FIELD, hex);
    }

    public static Wwnn parse(String raw) {
        return parse(FIELD, raw);
    }

    public static Wwnn parse(String field, String raw) {
        return new Wwnn(FcName.canonical(field, raw));
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
