package org.brickd.multipath;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.brickd.errors.BrickException;
import org.brickd.host.DevMapper;
import org.brickd.host.Sysfs;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dm-multipath maps read from sysfs:
 * <pre>
 * /sys/block/dm-N/dm/{name,uuid,suspended}    uuid = "mpath-" + udev WWID for multipath maps
 * /sys/block/dm-N/slaves/sdX                   the paths
 * /sys/block/dm-N/holders/dm-M                 what is stacked on the map
 * /sys/block/sdX/holders/dm-N                  the map a path belongs to
 * </pre>
 * Only multipath maps (uuid prefix "mpath-") are returned; kpartx partition maps
 * ("part1-mpath-..."), LVM and others are not. A map that disappears while being read is
 * left out. With a {@link DevMapper} the open count is filled in too.
 */
public final class DmMaps {

    private static final Logger log = LoggerFactory.getLogger(DmMaps.class);
    static final String UUID_PREFIX = "mpath-";

    private final Sysfs sysfs;
    private final DevMapper dm;

    public DmMaps(Sysfs sysfs) {
        this(sysfs, null);
    }

    /** @param dm for open counts; null to read sysfs only */
    public DmMaps(Sysfs sysfs, DevMapper dm) {
        this.sysfs = sysfs;
        this.dm = dm;
    }

    /** Every multipath map, in dm minor order. */
    public List<DmMap> all() {
        List<DmMap> out = new ArrayList<>();
        for (String name : sysfs.list("block")) {
            if (name.startsWith("dm-")) {
                parseDevice(name).flatMap(this::read).ifPresent(out::add);
            }
        }
        out.sort((a, b) -> Integer.compare(minor(a.device()), minor(b.device())));
        return out;
    }

    /** The multipath map on dm-N, or empty when there is none (or it is another kind of map). */
    public Optional<DmMap> read(BlockDevice device) {
        if (!device.isDm()) {
            return Optional.empty();
        }
        String base = "block/" + device.name();
        Optional<String> uuid = sysfs.read(base + "/dm/uuid");
        Optional<String> name = sysfs.read(base + "/dm/name");
        if (uuid.isEmpty() || name.isEmpty() || !uuid.get().startsWith(UUID_PREFIX)) {
            return Optional.empty();
        }
        Optional<Wwid> wwid;
        try {
            wwid = Optional.of(Wwid.parse("dm uuid", uuid.get().substring(UUID_PREFIX.length())));
        } catch (BrickException e) {
            wwid = Optional.empty();
        }
        List<BlockDevice> slaves = new ArrayList<>();
        for (String s : sysfs.list(base + "/slaves")) {
            parseDevice(s).filter(BlockDevice::isScsiDisk).ifPresent(slaves::add);
        }
        List<String> holders = sysfs.list(base + "/holders");
        boolean suspended = sysfs.read(base + "/dm/suspended").map(s -> s.equals("1")).orElse(false);
        OptionalInt open = OptionalInt.empty();
        if (dm != null) {
            Optional<DevMapper.Info> info = dm.info(name.get());
            if (info.isEmpty()) {
                return Optional.empty(); // removed between the reads
            }
            open = OptionalInt.of(info.get().openCount());
        }
        try {
            return Optional.of(new DmMap(device, name.get(), wwid, slaves, holders, suspended, open));
        } catch (BrickException e) {
            log.warn("ignoring multipath map {} ({}): {}", device, name.get(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The map whose uuid names this WWID (in any of its forms). */
    public Optional<DmMap> byWwid(Wwid wwid) {
        return all().stream().filter(m -> m.wwid().map(wwid::matches).orElse(false)).findFirst();
    }

    public Optional<DmMap> byName(String name) {
        return all().stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** The multipath map a path device belongs to, through the path's holders. */
    public Optional<DmMap> mapOf(BlockDevice path) {
        for (String h : sysfs.list("block/" + path.name() + "/holders")) {
            Optional<DmMap> m = parseDevice(h).flatMap(this::read);
            if (m.isPresent()) {
                return m;
            }
        }
        return Optional.empty();
    }

    private static Optional<BlockDevice> parseDevice(String name) {
        try {
            return Optional.of(BlockDevice.parse("sysfs block name", name));
        } catch (BrickException e) {
            return Optional.empty();
        }
    }

    private static int minor(BlockDevice dm) {
        return Integer.parseInt(dm.name().substring(3));
    }
}
