package org.brickd.types;

import org.brickd.errors.InvalidInputException;

/**
 * A SCSI device address as the kernel prints it: {@code host:channel:target:lun}, e.g.
 * {@code 6:0:0:1}. All parts are unsigned decimals without leading zeros; host, channel and
 * target fit an int, the LUN a long (the kernel's LUN is 64-bit; flat-space LUNs exceed
 * 16383). At most {@value #MAX_LENGTH} characters.
 */
public record Hctl(int host, int channel, int target, long lun) {

    public static final String FIELD = "hctl";
    public static final int MAX_LENGTH = 64;

    public Hctl {
        if (host < 0 || channel < 0 || target < 0 || lun < 0) {
            throw new InvalidInputException(FIELD, host + ":" + channel + ":" + target + ":" + lun,
                    "has a negative part");
        }
    }

    public static Hctl parse(String raw) {
        return parse(FIELD, raw);
    }

    public static Hctl parse(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        String[] parts = raw.split(":", -1);
        if (parts.length != 4) {
            throw Check.bad(field, raw, "is not host:channel:target:lun");
        }
        long[] v = new long[4];
        String[] names = {"host", "channel", "target", "lun"};
        for (int i = 0; i < 4; i++) {
            v[i] = Check.unsigned(parts[i]);
            long max = i == 3 ? Long.MAX_VALUE : Integer.MAX_VALUE;
            if (v[i] < 0 || v[i] > max) {
                throw Check.bad(field, raw, "has " + names[i] + " '" + parts[i]
                        + "'; expected an unsigned decimal without leading zeros");
            }
        }
        return new Hctl((int) v[0], (int) v[1], (int) v[2], v[3]);
    }

    /** {@code "C T L"}, what {@code /sys/class/scsi_host/host<H>/scan} takes to probe exactly this unit. */
    public String scanLine() {
        return channel + " " + target + " " + lun;
    }

    @Override
    public String toString() {
        return host + ":" + channel + ":" + target + ":" + lun;
    }
}
