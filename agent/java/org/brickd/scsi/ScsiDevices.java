package org.brickd.scsi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.InvalidInputException;
import org.brickd.host.Sysfs;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;

/** Reads SCSI devices from sysfs: {@code /sys/class/scsi_device/H:C:T:L/device/...}. */
public final class ScsiDevices {

    /** Numeric H:C:T:L order, as lsscsi prints. */
    public static final Comparator<Hctl> BY_HCTL = Comparator.comparingInt(Hctl::host)
            .thenComparingInt(Hctl::channel).thenComparingInt(Hctl::target).thenComparingLong(Hctl::lun);

    private final Sysfs sysfs;

    public ScsiDevices(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** Every SCSI device with a block disk (sd) attached, or none yet. Sorted by HCTL. */
    public List<ScsiDisk> all() {
        List<ScsiDisk> out = new ArrayList<>();
        for (String name : sysfs.list("class/scsi_device")) {
            Hctl hctl;
            try {
                hctl = Hctl.parse("scsi_device", name);
            } catch (InvalidInputException e) {
                continue; // not an H:C:T:L entry
            }
            read(hctl).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(ScsiDisk::hctl, BY_HCTL));
        return out;
    }

    public Optional<ScsiDisk> read(Hctl hctl) {
        String dev = "class/scsi_device/" + hctl + "/device";
        if (!sysfs.exists(dev)) {
            return Optional.empty();
        }
        Optional<BlockDevice> block = blockOf(hctl);
        List<BlockDevice> holders = block.map(this::holders).orElse(List.of());
        Optional<Wwid> wwid = sysfs.read(dev + "/wwid").flatMap(ScsiDevices::parseWwid);
        return Optional.of(new ScsiDisk(hctl, block,
                sysfs.read(dev + "/state").orElse("gone"),
                // INQUIRY fields, space-padded by the kernel
                sysfs.read(dev + "/vendor").orElse("").strip(),
                sysfs.read(dev + "/model").orElse("").strip(),
                wwid, holders));
    }

    /** The disk's size from sysfs ({@code block/sdX/size}, 512-byte sectors), when the kernel shows one. */
    public Optional<Long> sizeBytes(BlockDevice disk) {
        return sysfs.read("block/" + disk.name() + "/size").map(String::strip).filter(v -> v.matches("[0-9]{1,19}"))
                .map(v -> Long.parseLong(v) * 512);
    }

    /** The sd disk of a SCSI device: {@code device/block/sdX}. */
    public Optional<BlockDevice> blockOf(Hctl hctl) {
        for (String name : sysfs.list("class/scsi_device/" + hctl + "/device/block")) {
            try {
                return Optional.of(BlockDevice.parse("block", name));
            } catch (InvalidInputException e) {
                // not an sd disk (sr, st): brickd does not manage it
            }
        }
        return Optional.empty();
    }

    /** The HCTL of an sd disk: {@code /sys/block/sdX/device} links to the H:C:T:L directory. */
    public Optional<Hctl> hctlOf(BlockDevice disk) {
        return sysfs.resolve("block/" + disk.name() + "/device").flatMap(p -> {
            String last = p.substring(p.lastIndexOf('/') + 1);
            try {
                return Optional.of(Hctl.parse("device", last));
            } catch (InvalidInputException e) {
                return Optional.empty();
            }
        });
    }

    /** dm maps stacked on a disk: {@code /sys/block/sdX/holders/dm-N}. */
    public List<BlockDevice> holders(BlockDevice disk) {
        List<BlockDevice> out = new ArrayList<>();
        for (String h : sysfs.list("block/" + disk.name() + "/holders")) {
            try {
                out.add(BlockDevice.parse("holder", h));
            } catch (InvalidInputException e) {
                // a holder brickd does not model (md, bcache): reported by name elsewhere
            }
        }
        return out;
    }

    private static Optional<Wwid> parseWwid(String raw) {
        try {
            return Optional.of(Wwid.parse("wwid", raw.strip()));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }
}
