package org.brickd.libvirt;

import java.util.regex.Pattern;
import org.brickd.errors.InvalidInputException;

/**
 * A host block device path as it appears in a BDM's {@code connection_info.data.device_path}
 * or a disk's {@code <source dev>}: absolute, under /dev, normalised (no {@code ..}, no
 * {@code .}, no {@code //}), made of the characters udev's links use
 * ({@code /dev/disk/by-path/ip-10.0.0.1:3260-iscsi-iqn.2010-10.org.x:vol-lun-1},
 * {@code /dev/disk/by-id/os-brick+dev+sdb}, {@code /dev/dm-3}).
 */
public record DevicePath(String value) {

    public static final int MAX_LENGTH = 255;
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._:+@=,\\-]+");

    public DevicePath {
        value = check("device_path", value);
    }

    public static DevicePath parse(String field, String raw) {
        return new DevicePath(check(field, raw));
    }

    private static String check(String field, String raw) {
        if (raw == null) {
            throw new InvalidInputException(field, null, "is missing");
        }
        if (raw.length() > MAX_LENGTH) {
            throw new InvalidInputException(field, raw, "is longer than " + MAX_LENGTH + " characters");
        }
        if (!raw.startsWith("/dev/")) {
            throw new InvalidInputException(field, raw, "must be an absolute path under /dev/");
        }
        if (raw.contains("..")) {
            // not only a '..' component: no value brickd takes carries '..' anywhere (types/Check), nor do udev's links
            throw new InvalidInputException(field, raw, "contains '..'");
        }
        String[] parts = raw.substring(1).split("/", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".") || p.equals("..")) {
                throw new InvalidInputException(field, raw, "is not a normalised path (empty, '.' or '..' component)");
            }
            if (!SEGMENT.matcher(p).matches()) {
                throw new InvalidInputException(field, raw, "contains a character a /dev path does not have");
            }
        }
        if (parts.length < 2) {
            throw new InvalidInputException(field, raw, "names /dev itself, not a device");
        }
        return raw;
    }

    @Override
    public String toString() {
        return value;
    }
}
