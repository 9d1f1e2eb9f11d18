package org.brickd.stale;

import java.util.List;
import org.brickd.ledger.Attachment;
import org.brickd.multipath.DmMap;

/** The host at one moment, as far as stale detection needs it, with the ledger's view. */
public record Snapshot(List<DeviceFacts> devices, List<DmMap> maps, List<Attachment> attachments) {

    public Snapshot {
        devices = List.copyOf(devices);
        maps = List.copyOf(maps);
        attachments = List.copyOf(attachments);
    }
}
