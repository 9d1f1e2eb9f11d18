package org.brickd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.brickd.host.DevFs;
import org.brickd.host.Sysfs;
import org.brickd.types.Hctl;

/**
 * A fake host root laid out the way the kernel lays out /sys and /dev, so code under
 * test reads it through the same host/ classes as on a real host. The shapes copy real
 * trees (see kernel-testbed.md): a SCSI device lives under its host's device directory,
 * /sys/class/scsi_device and /sys/block hold links to it, /dev/sdX is a node (a file here).
 *
 * <p>Writes to control files are recorded and can be made to act like the kernel.
 */
public final class FakeHost {

    private final Path root;
    private final List<String> writes = new ArrayList<>();
    private final RecordingSysfs sysfs;

    public FakeHost(Path root) {
        this(root, (file, value) -> false);
    }

    /** A host whose control-file writes are first offered to {@code kernel}, which may act on them. */
    public FakeHost(Path root, Kernel kernel) {
        this.root = root;
        this.sysfs = new RecordingSysfs(root, writes, kernel);
        mkdirs("sys/class/scsi_device");
        mkdirs("sys/class/scsi_host");
        mkdirs("sys/block");
        mkdirs("dev/disk/by-id");
    }

    public Path root() {
        return root;
    }

    public Sysfs sysfs() {
        return sysfs;
    }

    public DevFs devfs() {
        return new DevFs(root);
    }

    /** Every control-file write, as "/sys/relative/path=value". */
    public List<String> writes() {
        return List.copyOf(writes);
    }

    /** A SCSI host: /sys/devices/platform/hostH with its scsi_host class entry and scan file. */
    public FakeHost scsiHost(int host) {
        String dev = "sys/devices/platform/host" + host;
        mkdirs(dev + "/scsi_host/host" + host);
        file(dev + "/scsi_host/host" + host + "/scan", "");
        link("sys/class/scsi_host/host" + host, "../../devices/platform/host" + host + "/scsi_host/host" + host);
        return this;
    }

    /**
     * A SCSI disk at hctl with block device {@code name}: the H:C:T:L device directory
     * (state, vendor, model, wwid, delete, rescan), its block/NAME dir, the class links,
     * and /dev/NAME.
     */
    public FakeHost scsiDisk(String hctl, String name, String vendor, String model, String wwid) {
        Hctl h = Hctl.parse(hctl);
        scsiHost(h.host());
        scsiDevice("sys/devices/platform/host" + h.host(), h, name, vendor, model, wwid);
        return this;
    }

    /**
     * A SCSI device under {@code parent} (the host's device directory, or an iSCSI session's:
     * {@code sys/devices/platform/host7/session1}): {@code parent/targetH:C:T/H:C:T:L} with
     * state, vendor, model, wwid (when not null), delete, rescan; the scsi_device class link
     * and its 'device' link back up; and, when {@code name} is not null, the sd disk:
     * block/NAME, /sys/block/NAME and /dev/NAME.
     */
    public FakeHost scsiDevice(String parent, Hctl h, String name, String vendor, String model, String wwid) {
        String hctl = h.toString();
        String dev = parent + "/target" + h.host() + ":" + h.channel() + ":" + h.target() + "/" + hctl;
        String devUnderSys = dev.substring("sys/".length());
        mkdirs(dev);
        file(dev + "/state", "running\n");
        file(dev + "/vendor", String.format("%-8s\n", vendor));
        file(dev + "/model", String.format("%-16s\n", model));
        if (wwid != null) {
            file(dev + "/wwid", wwid + "\n");
        }
        file(dev + "/delete", "");
        file(dev + "/rescan", "");
        // real kernels: /sys/class/scsi_device/H:C:T:L -> .../H:C:T:L/scsi_device/H:C:T:L, whose 'device' links up
        mkdirs(dev + "/scsi_device/" + hctl);
        link("sys/class/scsi_device/" + hctl, "../../" + devUnderSys + "/scsi_device/" + hctl);
        link(dev + "/scsi_device/" + hctl + "/device", "../../../" + hctl);
        if (name != null) {
            disk(parent, h, name);
        }
        return this;
    }

    /** The sd disk {@code name} of an existing SCSI device: what sd's probe adds after the scan made the device. */
    public FakeHost disk(String parent, Hctl h, String name) {
        String hctl = h.toString();
        String dev = parent + "/target" + h.host() + ":" + h.channel() + ":" + h.target() + "/" + hctl;
        mkdirs(dev + "/block/" + name + "/holders");
        link("sys/block/" + name, "../" + dev.substring("sys/".length()) + "/block/" + name);
        link(dev + "/block/" + name + "/device", "../../../" + hctl);
        file("dev/" + name, "");
        return this;
    }

    public FakeHost state(String hctl, String state) {
        Path dev = root.resolve("sys/class/scsi_device/" + hctl + "/device/state");
        write(dev, state + "\n");
        return this;
    }

    /**
     * A dm-multipath map as the kernel shows it: /sys/devices/virtual/block/dm-N with
     * dm/{name,uuid,suspended}, size (512-byte sectors), holders/ and slaves/ linking to each
     * path's block directory; each path's holders/dm-N linking back; /sys/block/dm-N,
     * /dev/dm-N and udev's /dev/mapper/NAME. The paths (scsiDisk/scsiDevice) must exist already.
     */
    public FakeHost dmMap(String dm, String name, String uuid, long sectors, String... paths) {
        String dir = "sys/devices/virtual/block/" + dm;
        file(dir + "/dm/name", name + "\n");
        file(dir + "/dm/uuid", uuid + "\n");
        file(dir + "/dm/suspended", "0\n");
        file(dir + "/size", sectors + "\n");
        mkdirs(dir + "/holders");
        mkdirs(dir + "/slaves");
        link("sys/block/" + dm, "../devices/virtual/block/" + dm);
        Path dmDir = realPath(dir);
        for (String path : paths) {
            Path pathDir = realBlockDir(path);
            link(dir + "/slaves/" + path, dmDir.resolve("slaves").relativize(pathDir).toString());
            link(realPath("").relativize(pathDir.resolve("holders/" + dm)).toString(),
                    pathDir.resolve("holders").relativize(dmDir).toString());
        }
        file("dev/" + dm, "");
        link("dev/mapper/" + name, "../" + dm);
        link("dev/disk/by-id/dm-uuid-" + uuid, "../../" + dm); // udev's 10-dm.rules
        return this;
    }

    /** Removes a dm map as the kernel and udev do: its directory, /sys/block and /dev entries, the paths' holder links. */
    public FakeHost removeDmMap(String dm) {
        Path name = root.resolve("sys/devices/virtual/block/" + dm + "/dm/name");
        Path uuid = root.resolve("sys/devices/virtual/block/" + dm + "/dm/uuid");
        if (Files.exists(name)) {
            try {
                remove("dev/disk/by-id/dm-uuid-" + Files.readString(uuid).strip());
                remove("dev/mapper/" + Files.readString(name).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String path : ls("sys/devices/virtual/block/" + dm + "/slaves")) {
            if (exists("sys/block/" + path)) {
                remove(realPath("").relativize(realBlockDir(path).resolve("holders/" + dm)).toString());
            }
        }
        remove("sys/block/" + dm);
        remove("sys/devices/virtual/block/" + dm);
        remove("dev/" + dm);
        return this;
    }

    /**
     * udev has processed block device {@code name} (major:minor {@code devnum}, e.g. "8:16"):
     * /sys/block/NAME/dev and udev's database entry /run/udev/data/bMAJ:MIN with ID_SERIAL and
     * the links (relative to /dev) by-id/scsi-ID_SERIAL and {@code moreLinks}.
     */
    public FakeHost udevProcessed(String name, String devnum, String idSerial, String... moreLinks) {
        file(root.relativize(realPath("sys/block/" + name)).toString() + "/dev", devnum + "\n");
        StringBuilder db = new StringBuilder("S:disk/by-id/scsi-" + idSerial + "\n");
        for (String link : moreLinks) {
            db.append("S:").append(link).append('\n');
        }
        file("run/udev/data/b" + devnum, db + "E:ID_SERIAL=" + idSerial + "\n");
        return this;
    }

    private Path realBlockDir(String name) {
        return realPath("sys/block/" + name);
    }

    private Path realPath(String relative) {
        try {
            return root.resolve(relative).toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("nothing at " + relative + " in the fake host", e);
        }
    }

    /** Names in a directory under the root, sorted; empty when it does not exist. */
    public List<String> ls(String relative) {
        Path p = root.resolve(relative);
        if (!Files.isDirectory(p)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a file, directory or link (dangling or not) exists under the root. */
    public boolean exists(String relative) {
        return Files.exists(root.resolve(relative), LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes a file, a link (never its target) or a directory tree; nothing when absent. */
    public void remove(String relative) {
        Path p = root.resolve(relative);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void mkdirs(String relative) {
        try {
            Files.createDirectories(root.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void file(String relative, String content) {
        Path p = root.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(p, content);
    }

    public void link(String relative, String target) {
        Path p = root.resolve(relative);
        try {
            Files.createDirectories(p.getParent());
            Files.deleteIfExists(p);
            Files.createSymbolicLink(p, Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String content) {
        try {
            Files.writeString(p, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the fake kernel does when a control file is written. {@code sysPath} is the
     * written file's real path relative to /sys (links resolved, as the kernel sees it:
     * {@code devices/platform/host7/scsi_host/host7/scan}). Answer true when the kernel
     * consumed the write, false to let the value land in the file.
     */
    @FunctionalInterface
    public interface Kernel {
        boolean onWrite(String sysPath, String value) throws IOException;
    }

    private static final class RecordingSysfs extends Sysfs {
        private final List<String> writes;
        private final Path sys;
        private final Kernel kernel;

        RecordingSysfs(Path root, List<String> writes, Kernel kernel) {
            super(root);
            this.writes = writes;
            this.sys = root.toAbsolutePath().normalize().resolve("sys");
            this.kernel = kernel;
        }

        @Override
        protected void doWrite(Path file, byte[] value) throws IOException {
            String text = new String(value, StandardCharsets.US_ASCII);
            synchronized (writes) {
                writes.add("/sys/" + sys.relativize(file) + "=" + text);
            }
            // toRealPath throws NoSuchFileException for a file that is gone, as the kernel's ENOENT
            String real = sys.toRealPath().relativize(file.toRealPath()).toString();
            if (!kernel.onWrite(real, text)) {
                super.doWrite(file, value);
            }
        }
    }
}
