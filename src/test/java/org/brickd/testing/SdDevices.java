package org.brickd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.brickd.errors.HostException;
import org.brickd.types.Hctl;

/** What the fake kernels (FakeIscsi, FakeFc) share about sd disks: naming, removal, open(2). */
final class SdDevices {

    private SdDevices() {}

    /** The kernel's sd naming: the lowest free name (sdb … sdz, sdaa …, sdaaa …), sda being the host's own disk. */
    static String freeName(Set<String> used) {
        for (int index = 1; index < 18_278; index++) {
            String name = "sd" + letters(index);
            if (!used.contains(name)) {
                return name;
            }
        }
        throw new IllegalStateException("the fake kernel ran out of disk names");
    }

    /** sd_format_disk_name: 0 → a, 25 → z, 26 → aa, 701 → zz, 702 → aaa. */
    private static String letters(int index) {
        StringBuilder b = new StringBuilder();
        for (int i = index + 1; i > 0; i = (i - 1) / 26) {
            b.insert(0, (char) ('a' + (i - 1) % 26));
        }
        return b.toString();
    }

    /**
     * Removes a SCSI device as the kernel and udev do: the sd disk {@code disk} (when not null),
     * its /dev node and udev links, the scsi_device class link, the device directory, and the
     * SCSI target directory once it holds no device.
     */
    static void remove(FakeHost host, Hctl h, String disk) {
        remove(host, h, disk, true);
    }

    /** As {@link #remove(FakeHost, Hctl, String)}; without {@code udev} the by-id links stay, dangling. */
    static void remove(FakeHost host, Hctl h, String disk, boolean udev) {
        Optional<String> real = host.sysfs().resolve("class/scsi_device/" + h + "/device");
        if (disk != null) {
            host.remove("sys/block/" + disk);
            host.remove("dev/" + disk);
            if (udev) {
                dropLinksTo(host, disk);
            }
        }
        host.remove("sys/class/scsi_device/" + h);
        if (real.isPresent()) {
            String dir = "sys/" + real.get();
            host.remove(dir);
            String target = dir.substring(0, dir.lastIndexOf('/'));
            if (host.ls(target).isEmpty()) {
                host.remove(target); // the kernel reaps a SCSI target with no devices left
            }
        }
    }

    /** udev's part of a removal: the by-id links that name {@code disk}. */
    static void dropLinksTo(FakeHost host, String disk) {
        for (String link : host.ls("dev/disk/by-id")) {
            Path p = host.root().resolve("dev/disk/by-id/" + link);
            try {
                if (Files.isSymbolicLink(p) && Files.readSymbolicLink(p).getFileName().toString().equals(disk)) {
                    host.remove("dev/disk/by-id/" + link);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The sd name a /dev path opens, following udev links as open(2) would. */
    static String opened(Path device, Set<String> disks) {
        try {
            String name = device.toRealPath().getFileName().toString();
            if (disks.contains(name)) {
                return name;
            }
        } catch (IOException e) {
            // no such device: below
        }
        throw new HostException("cannot open " + device + ": No such device or address");
    }
}
