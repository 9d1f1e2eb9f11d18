package org.brickd.scsi;

import java.time.Duration;
import java.util.Optional;
import org.brickd.host.DevFs;
import org.brickd.host.Native;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;

/**
 * Reads a LUN's identity from the LUN itself, every time: standard INQUIRY (is there a
 * real disk behind it?) and VPD page 0x83 through SG_IO. Never the sysfs cache, which
 * keeps the old WWID after a LUN is swapped behind a live device.
 */
public final class WwidProbe {

    private final DevFs dev;
    private final Native nat;
    private final Duration timeout;

    public WwidProbe(DevFs dev, Native nat, Duration timeout) {
        this.dev = dev;
        this.nat = nat;
        this.timeout = timeout;
    }

    public Inquiry inquiry(BlockDevice disk) {
        return Inquiry.parse(nat.inquiry(dev.node(disk), -1, timeout));
    }

    /** The WWID the LUN answers now; empty when it names none. Host errors propagate. */
    public Optional<Wwid> live(BlockDevice disk) {
        return Vpd83.parse(nat.inquiry(dev.node(disk), Vpd83.PAGE, timeout)).wwid();
    }
}
