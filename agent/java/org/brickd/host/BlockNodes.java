package org.brickd.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.brickd.errors.HostException;
import org.brickd.errors.InvalidInputException;

/**
 * Which host block device (major:minor) a /dev path stands for, after following udev's
 * links: two paths name the same device exactly when their numbers are equal, whatever
 * the strings. On a real host the number is the node's own (stat st_rdev); fake roots in
 * tests model nodes as plain files, as the kernel names them, and their number is read
 * from /sys/block/NAME/dev, where the kernel publishes the same value.
 */
public final class BlockNodes {

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;

    private final Path dev;
    private final Sysfs sysfs;

    public BlockNodes(Path root, Sysfs sysfs) {
        this.dev = root.toAbsolutePath().normalize().resolve("dev");
        this.sysfs = sysfs;
    }

    /** "MAJ:MIN", or empty when the path does not exist, leaves /dev or is not a block device. */
    public Optional<String> deviceNumber(String absoluteDevPath) {
        if (absoluteDevPath == null || !absoluteDevPath.startsWith("/dev/")) {
            throw new InvalidInputException("device_path", absoluteDevPath, "must be a path under /dev/");
        }
        Path p = HostPaths.under(dev, absoluteDevPath.substring("/dev/".length()));
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(dev.toRealPath())) {
                return Optional.empty(); // a link out of /dev is not a device node brickd accepts
            }
            Map<String, Object> a = Files.readAttributes(real, "unix:mode,rdev");
            int type = (Integer) a.get("mode") & S_IFMT;
            if (type == S_IFBLK) {
                long rdev = (Long) a.get("rdev");
                return Optional.of(major(rdev) + ":" + minor(rdev));
            }
            if (type == S_IFREG && real.getParent().equals(dev.toRealPath())) {
                return sysfs.read("block/" + real.getFileName() + "/dev");
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HostException("cannot stat " + absoluteDevPath + ": " + e.getMessage(), e);
        }
    }

    /** glibc's gnu_dev_major/minor. */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }
}
