package org.brickd.types;

import org.brickd.errors.InvalidInputException;

/**
 * A SCSI logical unit number as a volume driver gives it, and the number the Linux kernel
 * uses for the same unit.
 *
 * <p>{@link #value()} is the array's LUN, 0..{@value #MAX}: the range of the flat
 * (single-level, 14-bit) numbering os-brick's callers send. {@link #kernelLun()} is what
 * the kernel shows in an HCTL and takes in a scan write. The two differ only for flat-space
 * addressing (SAM-2 code 01b), where the kernel sees the LUN with bit 0x4000 set. Which
 * addressing an array uses is not discoverable from the host, so the caller says, with
 * os-brick's {@code addressing_mode} values (os_brick linuxscsi {@code lun_for_addressing}):
 * <ul>
 *   <li>{@code SAM} (the default) and {@code transparent}: kernel LUN = LUN;</li>
 *   <li>{@code SAM2}: peripheral addressing below 256, flat space from 256: kernel LUN =
 *       LUN + 16384 when LUN &gt;= 256;</li>
 *   <li>{@code SAM3-flat}: flat space always: kernel LUN = LUN + 16384.</li>
 * </ul>
 * Text input is a plain decimal, at most {@value #MAX_LENGTH} characters, no sign, no leading
 * zeros.
 */
public record Lun(int value, long kernelLun) {

    public static final String FIELD = "target_lun";
    public static final String MODE_FIELD = "addressing_mode";
    public static final int MAX = 16383;
    public static final int MAX_LENGTH = 5;
    /** The flat-space addressing bit as the kernel's LUN number carries it. */
    public static final long FLAT_SPACE = 0x4000;

    /** os-brick's {@code addressing_mode} values, by their wire names. */
    public enum Addressing {
        SAM("SAM"), TRANSPARENT("transparent"), SAM2("SAM2"), SAM3_FLAT("SAM3-flat");

        private final String wire;

        Addressing(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** Exact wire name, as os-brick compares it; null means the default, SAM. */
        public static Addressing parse(String field, String raw) {
            if (raw == null) {
                return SAM;
            }
            for (Addressing a : values()) {
                if (a.wire.equals(raw)) {
                    return a;
                }
            }
            throw new InvalidInputException(field, raw, "is not one of SAM, transparent, SAM2, SAM3-flat");
        }

        long kernelLun(int lun) {
            boolean flat = this == SAM3_FLAT || (this == SAM2 && lun >= 256);
            return flat ? lun + FLAT_SPACE : lun;
        }
    }

    /** Checks the range and that {@code kernelLun} is {@code value} with or without the flat-space bit. */
    public Lun {
        if (value < 0 || value > MAX) {
            throw new InvalidInputException(FIELD, value, "is out of range 0.." + MAX);
        }
        if (kernelLun != value && kernelLun != value + FLAT_SPACE) {
            throw new InvalidInputException("kernel_lun", kernelLun,
                    "must be the LUN (" + value + ") or the LUN with the flat-space bit ("
                            + (value + FLAT_SPACE) + ")");
        }
    }

    public static Lun parse(String raw) {
        return parse(FIELD, raw);
    }

    /** A decimal string, with SAM addressing (kernel LUN = LUN). */
    public static Lun parse(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        long v = Check.unsigned(raw);
        if (v < 0) {
            throw Check.bad(field, raw, "is not a decimal number 0.." + MAX + " (no sign, no leading zeros)");
        }
        return of(field, v);
    }

    /** A JSON number, with SAM addressing (kernel LUN = LUN). */
    public static Lun of(String field, long value) {
        if (value < 0 || value > MAX) {
            throw new InvalidInputException(field, value, "is out of range 0.." + MAX);
        }
        return new Lun((int) value, value);
    }

    public static Lun fromAddressing(int lun, String mode) {
        return fromAddressing(FIELD, lun, mode);
    }

    /** The LUN as the array numbers it, translated for the kernel per {@code mode} (see the class comment). */
    public static Lun fromAddressing(String field, long lun, String mode) {
        Addressing addressing = Addressing.parse(MODE_FIELD, mode);
        int value = of(field, lun).value();
        return new Lun(value, addressing.kernelLun(value));
    }

    /** True when the kernel addresses this unit through flat space (bit 0x4000 set). */
    public boolean isFlatSpace() {
        return kernelLun != value;
    }

    /** The kernel LUN in decimal, for the L of an "C T L" write to a host's {@code scan}. */
    public String scanToken() {
        return Long.toString(kernelLun);
    }

    /** {@code 5}, or {@code 300 (kernel 16684)} when the kernel number differs. */
    @Override
    public String toString() {
        return isFlatSpace() ? value + " (kernel " + kernelLun + ")" : Integer.toString(value);
    }
}
