package org.brickd.connector;

import java.util.Map;
import java.util.Optional;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/** What I1 compares a LUN against besides the connection_info's WWN: the ledger's view. */
public record Identity(Optional<Wwid> recorded, Map<Wwid, VolumeId> otherOwners) {

    public Identity {
        otherOwners = Map.copyOf(otherOwners);
    }

    public static Identity none() {
        return new Identity(Optional.empty(), Map.of());
    }
}
