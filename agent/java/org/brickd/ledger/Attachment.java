package org.brickd.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * One instance's use of a volume on this host, as recorded. {@code instance} is "" when
 * the caller named none. {@code connection} is the connection_info with secrets removed
 * (enough to detach after a restart). {@code devices} are "H:C:T:L=sdX" entries.
 */
public record Attachment(
        VolumeId volumeId,
        String instance,
        String protocol,
        Wwid wwid,
        String path,
        Optional<String> map,
        List<String> devices,
        String connection,
        boolean multiattach,
        String state,
        Optional<String> note,
        Instant attachedAt) {

    public Attachment {
        devices = List.copyOf(devices);
    }

    public boolean fenced() {
        return state.equals("fenced");
    }
}
