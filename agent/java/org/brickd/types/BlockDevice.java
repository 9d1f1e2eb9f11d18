package org.brickd.types;

import java.util.regex.Pattern;

/**
 * A kernel block device brickd manages: a whole SCSI disk {@code sd[a-z]{1,4}} or a
 * device-mapper node {@code dm-N} (N decimal, at most 7 digits, no leading zeros).
 * Partitions, other drivers' disks and {@code /dev/mapper} names are refused: brickd
 * never attaches or flushes anything else. Names at most {@value #MAX_LENGTH} characters.
 */
public record BlockDevice(String name) {

    public static final String FIELD = "device";
    public static final int MAX_LENGTH = 10;
    private static final String DEV = "/dev/";

    private static final Pattern SD = Pattern.compile("sd[a-z]{1,4}");
    private static final Pattern DM = Pattern.compile("dm-(?:0|[1-9][0-9]{0,6})");

    public BlockDevice {
        name = canonical(FIELD, Check.text(FIELD, name, MAX_LENGTH), name);
    }

    public static BlockDevice parse(String raw) {
        return parse(FIELD, raw);
    }

    public static BlockDevice parse(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        return new BlockDevice(canonical(field, raw, raw));
    }

    public static BlockDevice fromDevPath(String path) {
        return fromDevPath(FIELD, path);
    }

    /** Exactly {@code /dev/sdX} or {@code /dev/dm-N}; no other directory, no {@code ..}, no partition. */
    public static BlockDevice fromDevPath(String field, String path) {
        Check.text(field, path, DEV.length() + MAX_LENGTH, Check.Allow.SLASH);
        if (!path.startsWith(DEV)) {
            throw Check.bad(field, path, "is not /dev/sdX or /dev/dm-N");
        }
        return new BlockDevice(canonical(field, path, path.substring(DEV.length())));
    }

    public boolean isDm() {
        return name.startsWith("dm-");
    }

    public boolean isScsiDisk() {
        return name.startsWith("sd");
    }

    public String devPath() {
        return DEV + name;
    }

    @Override
    public String toString() {
        return name;
    }

    /** {@code shown} is what the caller passed (the name, or the whole path) and goes in the error. */
    private static String canonical(String field, String shown, String name) {
        if (!(SD.matcher(name).matches() || DM.matcher(name).matches())) {
            throw Check.bad(field, shown, "is not a whole SCSI disk (sd[a-z]{1,4}, no partition) or dm-N");
        }
        return name;
    }
}
