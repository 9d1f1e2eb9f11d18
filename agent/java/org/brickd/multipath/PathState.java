package org.brickd.multipath;

import java.util.Optional;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;

/**
 * One path as multipathd sees it ({@code show paths raw format}).
 *
 * @param device  the path's sd device
 * @param wwid    the WWID multipathd holds for it (may be stale after a LUN swap: see I1)
 * @param dm      the path's state in the kernel map (%t)
 * @param checker the path checker's verdict (%T)
 * @param online  the SCSI device is not offline (%o: "running")
 * @param map     the map it belongs to; empty for an orphan (no map, or map flushed)
 * @param hctl    the SCSI address (%i)
 */
public record PathState(BlockDevice device, Optional<Wwid> wwid, DmState dm, Checker checker, boolean online,
                        Optional<String> map, Optional<Hctl> hctl) {

    /** %t: "active", "failed", "undef" (orphans). */
    public enum DmState {
        ACTIVE, FAILED, UNDEF;

        static DmState parse(String s) {
            return switch (s) {
                case "active" -> ACTIVE;
                case "failed" -> FAILED;
                default -> UNDEF;
            };
        }
    }

    /** %T: the checker states libmultipath prints. */
    public enum Checker {
        READY, FAULTY, SHAKY, GHOST, PENDING, TIMEOUT, DELAYED, UNDEF;

        static Checker parse(String s) {
            return switch (s) {
                case "ready" -> READY;
                case "faulty" -> FAULTY;
                case "shaky" -> SHAKY;
                case "ghost" -> GHOST;
                case "i/o pending" -> PENDING;
                case "i/o timeout" -> TIMEOUT;
                case "delayed" -> DELAYED;
                default -> UNDEF;
            };
        }
    }

    /** Carries I/O now: active in the map and the checker finds it up. */
    public boolean usable() {
        return dm == DmState.ACTIVE && (checker == Checker.READY || checker == Checker.GHOST);
    }
}
