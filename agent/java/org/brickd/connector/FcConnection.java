package org.brickd.connector;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.types.Lun;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.brickd.types.Wwpn;

/**
 * A Fibre Channel volume: target port WWPNs with their LUN, and optionally which
 * initiator ports may reach which targets.
 */
public record FcConnection(
        VolumeId volumeId,
        List<FcTarget> targets,
        Map<Wwpn, List<Wwpn>> initiatorTargetMap,
        Optional<Wwid> expectedWwid,
        boolean readOnly,
        boolean encrypted) implements ConnectionInfo {

    public FcConnection {
        targets = List.copyOf(targets);
        initiatorTargetMap = Map.copyOf(initiatorTargetMap);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("an FC connection needs at least one target");
        }
    }

    @Override
    public String protocol() {
        return "fibre_channel";
    }

    @Override
    public List<String> lunAddresses() {
        return targets.stream().map(t -> "fc " + t.wwpn() + " lun " + t.lun()).distinct().toList();
    }

    public record FcTarget(Wwpn wwpn, Lun lun) {}
}
