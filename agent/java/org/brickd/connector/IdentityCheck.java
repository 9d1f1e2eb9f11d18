package org.brickd.connector;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.errors.WwidMismatchException;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * Invariant I1, as a pure function: a device is handed out only when the WWID every one
 * of its paths answers (read live from the LUN) is one and the same, equals the WWN the
 * connection_info names, equals what the ledger recorded for this volume at first
 * attach, and is no other live attachment's.
 */
public final class IdentityCheck {

    private IdentityCheck() {}

    /**
     * @param liveByPath   the WWID each path's LUN answered just now (path label → WWID)
     * @param expected     the WWN from connection_info, if any
     * @param recorded     the WWID recorded at this volume's first attach, if any
     * @param otherOwners  WWIDs held by other live attachments → their volume
     * @return the verified WWID
     */
    public static Wwid verify(VolumeId volume, Map<String, Wwid> liveByPath, Optional<Wwid> expected,
            Optional<Wwid> recorded, Map<Wwid, VolumeId> otherOwners) {
        if (liveByPath.isEmpty()) {
            throw new WwidMismatchException("volume " + volume + ": no path answered with a WWID; refusing to hand out a device");
        }
        Set<Wwid> distinct = new LinkedHashSet<>(liveByPath.values());
        if (distinct.size() > 1) {
            throw new WwidMismatchException("volume " + volume + ": its paths answer different WWIDs " + liveByPath
                    + "; one of them is another LUN (LUN reused or mis-mapped on the array)");
        }
        Wwid live = distinct.iterator().next();
        // matches, not equals: a T10 id in udev's form and in the kernel's differ in spacing (see Wwid)
        if (expected.isPresent() && !expected.get().matches(live)) {
            throw new WwidMismatchException("volume " + volume + ": the LUN answers WWID " + live.udev()
                    + " but connection_info names " + expected.get().udev() + "; this is not the volume cinder exported");
        }
        if (recorded.isPresent() && !recorded.get().matches(live)) {
            throw new WwidMismatchException("volume " + volume + ": the LUN answers WWID " + live.udev()
                    + " but this volume had WWID " + recorded.get().udev() + " at its first attach; the LUN was reused");
        }
        for (Map.Entry<Wwid, VolumeId> other : otherOwners.entrySet()) {
            if (other.getKey().matches(live) && !other.getValue().equals(volume)) {
                throw new WwidMismatchException("volume " + volume + ": the LUN answers WWID " + live.udev()
                        + ", which belongs to the live attachment of volume " + other.getValue());
            }
        }
        return live;
    }
}
