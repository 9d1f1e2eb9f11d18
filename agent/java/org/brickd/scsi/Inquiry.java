package org.brickd.scsi;

import java.nio.charset.StandardCharsets;

/**
 * Standard INQUIRY data. What matters to brickd is whether a LUN is real: an unmapped
 * LUN 0 on LIO still answers (as a read-only "no device" that reads zeros), and only the
 * peripheral qualifier and device type say so.
 */
public record Inquiry(int peripheralQualifier, int deviceType, String vendor, String product, String revision) {

    public static final int TYPE_DISK = 0x00;
    public static final int TYPE_NO_DEVICE = 0x1f;

    public static Inquiry parse(byte[] data) {
        if (data.length < 36) {
            throw new IllegalArgumentException("standard INQUIRY data too short: " + data.length + " bytes");
        }
        return new Inquiry((data[0] >> 5) & 0x7, data[0] & 0x1f,
                ascii(data, 8, 16), ascii(data, 16, 32), ascii(data, 32, 36));
    }

    /** A disk that is actually present behind this LUN (qualifier 0, type direct-access). */
    public boolean isConnectedDisk() {
        return peripheralQualifier == 0 && deviceType == TYPE_DISK;
    }

    private static String ascii(byte[] d, int from, int to) {
        return new String(d, from, to - from, StandardCharsets.US_ASCII).strip();
    }
}
