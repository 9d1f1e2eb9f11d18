package org.brickd.stale;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.host.ScsiCheckException;
import org.brickd.host.Sysfs;
import org.brickd.ledger.Ledger;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.DmMaps;
import org.brickd.scsi.Inquiry;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiDisk;
import org.brickd.scsi.WwidProbe;
import org.brickd.stale.DeviceFacts.Live;
import org.brickd.stale.DeviceFacts.Transport;
import org.brickd.types.BlockDevice;

/**
 * Takes a {@link Snapshot}: every SCSI device from sysfs with its transport and state, a live
 * INQUIRY + VPD 0x83 read of every running iSCSI/FC disk (the only read that sees a LUN
 * swap: sysfs and multipathd keep the old WWID), every multipath map, and the ledger.
 */
public final class HostScanner {

    private final Sysfs sysfs;
    private final ScsiDevices devices;
    private final WwidProbe probe;
    private final DmMaps maps;
    private final Ledger ledger;

    public HostScanner(Sysfs sysfs, ScsiDevices devices, WwidProbe probe, DmMaps maps, Ledger ledger) {
        this.sysfs = sysfs;
        this.devices = devices;
        this.probe = probe;
        this.maps = maps;
        this.ledger = ledger;
    }

    public Snapshot snapshot() {
        List<DmMap> allMaps = maps == null ? List.of() : maps.all();
        List<DeviceFacts> facts = new ArrayList<>();
        for (ScsiDisk d : devices.all()) {
            Transport t = transportOf(d);
            Optional<String> map = d.block().flatMap(b -> allMaps.stream()
                    .filter(m -> m.slaves().contains(b)).map(DmMap::name).findFirst());
            facts.add(new DeviceFacts(d.hctl(), d.block(), t, d.state(), d.sysfsWwid(), ask(d, t), map));
        }
        return new Snapshot(facts, allMaps, ledger.allAttachments());
    }

    /** iSCSI devices hang below a session, FC devices below a remote port. */
    Transport transportOf(ScsiDisk d) {
        String real = sysfs.resolve("class/scsi_device/" + d.hctl() + "/device").orElse("");
        if (real.matches(".*/session\\d+/.*")) {
            return Transport.ISCSI;
        }
        if (real.matches(".*/rport-\\d+:\\d+-\\d+/.*")) {
            return Transport.FC;
        }
        return Transport.OTHER;
    }

    private Live ask(ScsiDisk d, Transport t) {
        if (!t.managed()) {
            return Live.notProbed("not an iSCSI/FC device");
        }
        if (d.block().isEmpty()) {
            return Live.notProbed("no block disk");
        }
        if (!d.running()) {
            return Live.notProbed("state " + d.state());
        }
        BlockDevice disk = d.block().get();
        try {
            Inquiry inq = probe.inquiry(disk);
            if (!inq.isConnectedDisk()) {
                return Live.noLun("peripheral qualifier " + inq.peripheralQualifier() + ", type 0x"
                        + Integer.toHexString(inq.deviceType()));
            }
            return Live.present(probe.live(disk));
        } catch (ScsiCheckException e) {
            return e.lunNotSupported() ? Live.noLun("ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED")
                    : Live.noAnswer(e.getMessage());
        } catch (BrickException e) {
            return Live.noAnswer(e.getMessage());
        }
    }
}
