package org.brickd.stale;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.KeyedLocks;
import org.brickd.connector.StepKind;
import org.brickd.errors.BrickException;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.Multipath;
import org.brickd.scsi.ScsiOps;
import org.brickd.stale.Finding.Action;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.VolumeId;

/**
 * Carries out a stale-device plan: fences first (under each volume's lock), then removes
 * orphan maps (flushed, never forced: an open orphan map is reported), then deletes devices
 * (taken out of multipathd first). Every step's outcome is collected; one failure does not
 * stop the others.
 */
public final class StaleCleaner {

    /** What one finding's action came to. */
    public record Outcome(Finding finding, boolean ok, String result) {}

    private final ScsiOps scsi;
    private final Multipath multipath;
    private final DmMaps maps;
    private final Ledger ledger;
    private final Fencer fencer;
    private final KeyedLocks volumeLocks;
    private final Duration removal;

    /** Told of each removal before it runs (brickctl shows it offline): its kind and what it removes. */
    public interface Watch {
        void removing(StepKind kind, String what);

        Watch NONE = (kind, what) -> {};
    }

    private final Watch watch;

    /**
     * @param multipath null on a host without multipathd
     * @param watch     told of each map and device removal before it runs, or {@link Watch#NONE}
     */
    public StaleCleaner(ScsiOps scsi, Multipath multipath, DmMaps maps, Ledger ledger, Fencer fencer,
            KeyedLocks volumeLocks, Duration removal, Watch watch) {
        this.watch = watch;
        this.scsi = scsi;
        this.multipath = multipath;
        this.maps = maps;
        this.ledger = ledger;
        this.fencer = fencer;
        this.volumeLocks = volumeLocks;
        this.removal = removal;
    }

    public List<Outcome> apply(List<Finding> plan) {
        List<Outcome> out = new ArrayList<>();
        List<VolumeId> fenced = new ArrayList<>();
        for (Finding f : plan) {
            if (f.action() == Action.FENCE) {
                VolumeId vol = f.volumeId().orElseThrow();
                if (fenced.contains(vol)) {
                    out.add(new Outcome(f, true, "fenced with the volume's other devices"));
                    continue;
                }
                fenced.add(vol);
                out.add(fence(f, vol));
            }
        }
        for (Finding f : plan) {
            if (f.action() == Action.REMOVE_MAP) {
                out.add(removeMap(f));
            }
        }
        for (Finding f : plan) {
            if (f.action() == Action.REMOVE_DEVICE) {
                out.add(removeDevice(f));
            }
        }
        for (Finding f : plan) {
            if (f.action() == Action.REPORT) {
                out.add(new Outcome(f, true, "reported only"));
            }
        }
        return out;
    }

    private Outcome fence(Finding f, VolumeId vol) {
        try (KeyedLocks.Held held = volumeLocks.lock("volume " + vol)) {
            List<Attachment> rows = ledger.attachments(vol).stream().filter(a -> !a.fenced()).toList();
            if (rows.isEmpty()) {
                return new Outcome(f, true, "no live attachment of " + vol + " any more");
            }
            Fencer.Fenced done = fencer.fence(rows.get(0), f.wwidNow().orElseThrow(), f.device().orElse("a device")
                    + " (" + f.hctl().orElse("?") + ") answers " + f.wwidNow().get().udev());
            return new Outcome(f, done.errors().isEmpty(), "fenced volume " + vol + "; removed " + done.removed()
                    + (done.errors().isEmpty() ? "" : "; errors " + done.errors()));
        } catch (BrickException e) {
            return new Outcome(f, false, e.getMessage());
        }
    }

    private Outcome removeMap(Finding f) {
        String name = f.map().orElseThrow();
        Optional<DmMap> m = maps.byName(name);
        if (m.isEmpty()) {
            return new Outcome(f, true, "map " + name + " already gone");
        }
        if (multipath == null) {
            return new Outcome(f, false, "map " + name + ": multipathd not reachable");
        }
        try {
            watch.removing(StepKind.UNMAP, name);
            multipath.flush(m.get());
            return new Outcome(f, true, "map " + name + " flushed");
        } catch (BrickException e) {
            return new Outcome(f, false, "map " + name + ": " + e.getMessage());
        }
    }

    private Outcome removeDevice(Finding f) {
        Hctl h = Hctl.parse("finding", f.hctl().orElseThrow());
        if (!scsi.present(h)) {
            return new Outcome(f, true, "device " + h + " already gone");
        }
        List<String> notes = new ArrayList<>();
        Optional<BlockDevice> disk = scsi.devices().blockOf(h);
        watch.removing(StepKind.DELETE, h + disk.map(d -> " (" + d + ")").orElse(""));
        if (multipath != null && disk.isPresent() && maps.mapOf(disk.get()).isPresent()) {
            try {
                multipath.delPath(disk.get());
            } catch (BrickException e) {
                notes.add("multipathd del path: " + e.getMessage());
            }
        }
        try {
            scsi.delete(h, removal);
            return new Outcome(f, true, "device " + h + disk.map(d -> " (" + d + ")").orElse("") + " deleted"
                    + (notes.isEmpty() ? "" : "; " + notes));
        } catch (BrickException e) {
            notes.add(e.getMessage());
            return new Outcome(f, false, "device " + h + ": " + String.join("; ", notes));
        }
    }
}
