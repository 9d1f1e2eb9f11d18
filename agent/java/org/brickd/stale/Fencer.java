package org.brickd.stale;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.brickd.errors.BrickException;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.ForcedRemoval;
import org.brickd.multipath.Multipath;
import org.brickd.scsi.Inquiry;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing on LUN reuse: when a device a live attachment owns answers, live, with another
 * WWID than the one recorded, the LUN number now carries another volume. The attachment's
 * map is removed (forced: queued I/O fails, an open map goes on last close), its devices are
 * deleted, and the attachment is marked {@code fenced} with both WWIDs. Its old path can then
 * never read the new volume. The caller holds the attachment's volume lock.
 */
public final class Fencer {

    private static final Logger log = LoggerFactory.getLogger(Fencer.class);

    /** What a fence did. */
    public record Fenced(Attachment attachment, Wwid now, List<String> removed, List<String> errors) {
        public Fenced {
            removed = List.copyOf(removed);
            errors = List.copyOf(errors);
        }
    }

    private final ScsiDevices devices;
    private final WwidProbe probe;
    private final ScsiOps scsi;
    private final Multipath multipath;
    private final DmMaps maps;
    private final Ledger ledger;
    private final Duration removal;

    /** @param multipath null on a host without multipathd */
    public Fencer(ScsiDevices devices, WwidProbe probe, ScsiOps scsi, Multipath multipath, DmMaps maps, Ledger ledger,
            Duration removal) {
        this.devices = devices;
        this.probe = probe;
        this.scsi = scsi;
        this.multipath = multipath;
        this.maps = maps;
        this.ledger = ledger;
        this.removal = removal;
    }

    /**
     * Reads every device of the attachment live; fences it when one answers another WWID.
     * A device that does not answer is left alone here (stale detection handles it).
     */
    public Optional<Fenced> checkAndFence(Attachment a) {
        if (a.fenced()) {
            return Optional.empty();
        }
        for (String entry : a.devices()) {
            Optional<BlockDevice> disk = currentDisk(entry);
            if (disk.isEmpty()) {
                continue;
            }
            Optional<Wwid> now;
            try {
                Inquiry inq = probe.inquiry(disk.get());
                if (!inq.isConnectedDisk()) {
                    continue;
                }
                now = probe.live(disk.get());
            } catch (BrickException e) {
                log.debug("volume {}: {} does not answer ({}); not a fence decision", a.volumeId(), entry, e.getMessage());
                continue;
            }
            if (now.isPresent() && !a.wwid().matches(now.get())) {
                return Optional.of(fence(a, now.get(), "device " + entry + " answers " + now.get().udev()));
            }
        }
        return Optional.empty();
    }

    /** Removes the attachment's map and devices and marks it fenced. Errors are collected. */
    public Fenced fence(Attachment a, Wwid now, String why) {
        log.error("FENCING volume {} (instance '{}'): {} but it was attached as {}: the LUN number was reused for"
                + " another volume; removing its devices so that its path can never read the other volume",
                a.volumeId(), a.instance(), why, a.wwid().udev());
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Set<DmMap> volumeMaps = new LinkedHashSet<>();
        List<Hctl> hctls = new ArrayList<>();
        for (String entry : a.devices()) {
            hctls.add(Hctl.parse("ledger", hctlOf(entry)));
            currentDisk(entry).flatMap(maps::mapOf).ifPresent(volumeMaps::add);
        }
        a.map().flatMap(this::mapByDevice).ifPresent(volumeMaps::add);
        for (DmMap m : volumeMaps) {
            if (multipath == null) {
                errors.add("map " + m + ": multipathd not reachable");
                continue;
            }
            try {
                ForcedRemoval r = multipath.forceRemove(m, removal);
                errors.addAll(r.errors());
                removed.add("map " + m.name() + (r.gone() ? "" : " (deferred: removed on last close)"));
            } catch (BrickException e) {
                errors.add("map " + m + ": " + e.getMessage());
            }
        }
        for (Hctl h : hctls) {
            try {
                if (scsi.present(h)) {
                    scsi.delete(h, removal);
                    removed.add("device " + h);
                }
            } catch (BrickException e) {
                errors.add("delete " + h + ": " + e.getMessage());
            }
        }
        String note = "fenced: LUN reused; recorded " + a.wwid().udev() + ", now " + now.udev()
                + (errors.isEmpty() ? "" : "; errors " + errors);
        ledger.fence(a.volumeId(), note);
        log.error("volume {} fenced: removed {}{}", a.volumeId(), removed, errors.isEmpty() ? "" : "; errors " + errors);
        return new Fenced(a, now, removed, errors);
    }

    private Optional<DmMap> mapByDevice(String name) {
        if (name.startsWith("dm-")) {
            return maps.read(BlockDevice.parse("ledger", name));
        }
        return maps.byName(name);
    }

    /** The disk now at the recorded HCTL (the sd name may have changed since). */
    private Optional<BlockDevice> currentDisk(String entry) {
        return devices.blockOf(Hctl.parse("ledger", hctlOf(entry)));
    }

    static String hctlOf(String ledgerDevice) {
        int eq = ledgerDevice.indexOf('=');
        return eq < 0 ? ledgerDevice : ledgerDevice.substring(0, eq);
    }
}
