package org.brickd.connector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.connector.Attached.PathDevice;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.ForcedRemoval;
import org.brickd.multipath.Multipath;
import org.brickd.scsi.ScsiOps;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * What a connector does to a volume's SCSI devices once its transport has found them (by
 * session, by FC address): build their dm map, extend them, remove them and the map.
 * Removal: without force, every map and lone disk is flushed first and a flush failure stops
 * before anything is removed. With force, queueing is switched off (so no flush can hang
 * on dead paths), flushes are bounded, errors are collected and the removal goes on; an
 * open map is removed deferred. Every step that changes the host is journaled in the
 * caller's {@link Steps}.
 */
public final class VolumeDevices {

    /** What a teardown removed, and the errors met on the way (force goes on past them). */
    public record Outcome(List<String> removed, List<String> errors) {}

    private final ScsiOps scsi;
    private final Multipath multipath;
    private final DmMaps maps;
    private final Duration removal;

    /** @param multipath null when the host has no multipathd; {@code maps} null when it has no dm maps to read */
    public VolumeDevices(ScsiOps scsi, Multipath multipath, DmMaps maps, Duration removal) {
        this.scsi = scsi;
        this.multipath = multipath;
        this.maps = maps;
        this.removal = removal;
    }

    /**
     * The dm map over these paths: the WWID goes onto multipathd's list first (hosts run
     * {@code find_multipaths strict}, so nothing else gets a map), then every path is added.
     */
    public DmMap assembleMap(Wwid wwid, List<PathDevice> paths, Duration deadline, Steps steps) {
        Multipath mp = multipathOrFail();
        Set<BlockDevice> disks = new LinkedHashSet<>();
        paths.forEach(pd -> disks.add(pd.disk()));
        return steps.call(StepKind.MAP, wwid.udev() + " over " + disks, () -> {
            mp.addWwid(wwid);
            disks.forEach(mp::addPath);
            return mp.awaitMap(wwid, disks, deadline);
        });
    }

    /**
     * Rescans the capacity of every present device and resizes their map if they have one;
     * answers the new size in bytes.
     */
    public long extend(VolumeId volume, Collection<Hctl> devices) {
        long size = -1;
        Optional<DmMap> map = Optional.empty();
        for (Hctl h : devices) {
            Optional<BlockDevice> disk = scsi.devices().blockOf(h);
            if (disk.isEmpty()) {
                continue;
            }
            scsi.rescan(h);
            size = Math.max(size, scsi.size(disk.get()));
            if (map.isEmpty()) {
                map = mapOf(disk.get());
            }
        }
        if (size < 0) {
            throw new BrickException(BrickException.Code.NOT_FOUND, "volume " + volume
                    + " is not attached on this host (no device on any of its paths)");
        }
        return map.isPresent() ? multipathOrFail().resize(map.get()) : size;
    }

    /** Removes the maps on these devices (and the map of {@code knownWwid}), then the devices. */
    public Outcome remove(VolumeId volume, Collection<Hctl> devices, boolean force, Optional<Wwid> knownWwid,
            Steps steps) {
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<Hctl, BlockDevice> disks = disks(devices);
        Set<DmMap> volumeMaps = mapsOf(disks, knownWwid);
        if (!force) {
            flushOrRefuse(volume, volumeMaps, disks, steps);
        }
        for (DmMap m : volumeMaps) {
            removeMap(m, force, removed, errors, steps);
        }
        if (force) {
            for (BlockDevice d : loneDisks(volumeMaps, disks)) {
                try {
                    steps.run(StepKind.FLUSH, d.name(), () -> scsi.flush(d, removal));
                } catch (BrickException e) {
                    errors.add("flush " + d + ": " + e.getMessage());
                }
            }
        }
        for (Hctl h : devices) {
            try {
                BlockDevice disk = disks.get(h);
                steps.run(StepKind.DELETE, h + (disk != null ? " (" + disk.name() + ")" : ""), () -> scsi.delete(h, removal));
                removed.add("device " + h);
            } catch (BrickException e) {
                errors.add("delete " + h + ": " + e.getMessage());
                if (!force) {
                    break;
                }
            }
        }
        return new Outcome(removed, errors);
    }

    /**
     * What {@link #remove} would remove now, read without touching anything: the maps on these
     * devices (and the map of {@code knownWwid}), then the devices, named as {@code remove} reports them.
     */
    public List<String> plan(Collection<Hctl> devices, Optional<Wwid> knownWwid) {
        Map<Hctl, BlockDevice> disks = disks(devices);
        List<String> out = new ArrayList<>();
        for (DmMap m : mapsOf(disks, knownWwid)) {
            out.add("map " + m + (m.inUse() ? ", open: its removal is deferred to the last close" : ""));
        }
        for (Hctl h : devices) {
            out.add("device " + h + (disks.containsKey(h) ? " (" + disks.get(h).name() + ")" : ""));
        }
        return out;
    }

    private Map<Hctl, BlockDevice> disks(Collection<Hctl> devices) {
        Map<Hctl, BlockDevice> disks = new LinkedHashMap<>();
        for (Hctl h : devices) {
            scsi.devices().blockOf(h).ifPresent(d -> disks.put(h, d));
        }
        return disks;
    }

    private Set<DmMap> mapsOf(Map<Hctl, BlockDevice> disks, Optional<Wwid> knownWwid) {
        Set<DmMap> volumeMaps = new LinkedHashSet<>();
        if (maps != null) {
            disks.values().forEach(d -> maps.mapOf(d).ifPresent(volumeMaps::add));
            knownWwid.flatMap(maps::byWwid).ifPresent(volumeMaps::add);
        }
        return volumeMaps;
    }

    /** After a failed attach: the map of {@code wwid} removed and its WWID forgotten; errors join {@code cause}. */
    public void removeMapQuietly(Wwid wwid, RuntimeException cause, Steps steps) {
        try {
            Optional<DmMap> m = maps.byWwid(wwid);
            steps.run(StepKind.UNMAP, m.map(DmMap::name).orElse("no map") + " of " + wwid.udev() + " (forced)", () -> {
                if (m.isPresent()) {
                    multipathOrFail().forceRemove(m.get(), removal);
                }
                multipathOrFail().forgetWwid(wwid);
            });
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** The map of {@code wwid}, if the host has one now. */
    public Optional<DmMap> mapOf(Wwid wwid) {
        return maps == null ? Optional.empty() : maps.byWwid(wwid);
    }

    /** The map on {@code disk}, if any. */
    public Optional<DmMap> mapOf(BlockDevice disk) {
        return maps == null ? Optional.empty() : maps.mapOf(disk);
    }

    private static List<BlockDevice> loneDisks(Set<DmMap> volumeMaps, Map<Hctl, BlockDevice> disks) {
        return disks.values().stream().filter(d -> volumeMaps.stream().noneMatch(m -> m.slaves().contains(d))).toList();
    }

    private void flushOrRefuse(VolumeId volume, Set<DmMap> volumeMaps, Map<Hctl, BlockDevice> disks, Steps steps) {
        List<BlockDevice> toFlush = new ArrayList<>();
        volumeMaps.forEach(m -> toFlush.add(m.device()));
        toFlush.addAll(loneDisks(volumeMaps, disks));
        for (BlockDevice d : toFlush) {
            try {
                steps.run(StepKind.FLUSH, d.name(), () -> scsi.flush(d, removal));
            } catch (BrickException e) {
                throw new HostException("volume " + volume + ": flushing " + d + " failed: " + e.getMessage()
                        + "; nothing was removed. Retry, or disconnect with force (unwritten data is then lost).", e);
            }
        }
    }

    private void removeMap(DmMap m, boolean force, List<String> removed, List<String> errors, Steps steps) {
        try {
            Multipath mp = multipathOrFail();
            steps.run(StepKind.UNMAP, m.name() + (force ? " (forced)" : ""), () -> {
                if (force) {
                    ForcedRemoval r = mp.forceRemove(m, removal);
                    errors.addAll(r.errors());
                    removed.add("map " + m.name() + (r.outcome() == ForcedRemoval.Outcome.DEFERRED
                            ? " (deferred: still open, removed on last close)" : ""));
                } else {
                    mp.flush(m);
                    removed.add("map " + m.name());
                }
                m.wwid().ifPresent(mp::forgetWwid);
            });
        } catch (BrickException e) {
            if (!force) {
                throw e;
            }
            errors.add("map " + m.name() + ": " + e.getMessage());
        }
    }

    /** multipathd, or an UNAVAILABLE error when a map is in the way and the host has none. */
    public Multipath multipathOrFail() {
        if (multipath == null) {
            throw new BrickException(BrickException.Code.UNAVAILABLE, "a multipath map is in the way but multipathd is"
                    + " not reachable on this host");
        }
        return multipath;
    }
}
