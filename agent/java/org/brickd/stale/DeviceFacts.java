package org.brickd.stale;

import java.util.Objects;
import java.util.Optional;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;

/**
 * What the host shows of one SCSI device at one moment: where it hangs (transport), its
 * midlayer state, the kernel's cached WWID (stale after a LUN swap) and what the LUN itself
 * answered just now.
 */
public record DeviceFacts(Hctl hctl, Optional<BlockDevice> disk, Transport transport, String state,
        Optional<Wwid> sysfsWwid, Live live, Optional<String> map) {

    public DeviceFacts {
        Objects.requireNonNull(hctl, "hctl");
        Objects.requireNonNull(live, "live");
    }

    /** The SCSI transport a device hangs off; only iSCSI and FC devices are brickd's business. */
    public enum Transport {
        ISCSI, FC, OTHER;

        public boolean managed() {
            return this != OTHER;
        }
    }

    /** The answer of a live INQUIRY + VPD 0x83 read. */
    public record Live(Status status, Optional<Wwid> wwid, String detail) {
        public enum Status {
            /** A connected disk answered; {@code wwid} is what it names (may be none). */
            PRESENT,
            /** The target answered that no LUN is mapped at this number (peripheral qualifier 3 / type 0x1f). */
            NO_LUN,
            /** The read failed (transport down, device offline, timeout). */
            NO_ANSWER,
            /** Not asked: the device is not running, or has no block disk. */
            NOT_PROBED
        }

        public static Live present(Optional<Wwid> wwid) {
            return new Live(Status.PRESENT, wwid, "");
        }

        public static Live noLun(String detail) {
            return new Live(Status.NO_LUN, Optional.empty(), detail);
        }

        public static Live noAnswer(String detail) {
            return new Live(Status.NO_ANSWER, Optional.empty(), detail);
        }

        public static Live notProbed(String why) {
            return new Live(Status.NOT_PROBED, Optional.empty(), why);
        }
    }

    public boolean running() {
        return state.equals("running");
    }

    /** "H:C:T:L=sdX" as the ledger records a path device. */
    public String ledgerKey() {
        return hctl + disk.map(d -> "=" + d.name()).orElse("");
    }
}
