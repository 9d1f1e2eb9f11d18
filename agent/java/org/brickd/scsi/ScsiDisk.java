package org.brickd.scsi;

import java.util.List;
import java.util.Optional;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;

/**
 * A SCSI device as sysfs shows it at one moment. {@code sysfsWwid} is the kernel's cached
 * copy and is NOT proof of identity (it stays old after a LUN swap); I1 checks use
 * {@link WwidProbe} instead.
 */
public record ScsiDisk(
        Hctl hctl,
        Optional<BlockDevice> block,
        String state,
        String vendor,
        String model,
        Optional<Wwid> sysfsWwid,
        List<BlockDevice> holders) {

    public ScsiDisk {
        holders = List.copyOf(holders);
    }

    public boolean running() {
        return state.equals("running");
    }
}
