package org.brickd.connector;

import java.util.List;
import java.util.Optional;
import org.brickd.iscsi.Chap;
import org.brickd.types.Iqn;
import org.brickd.types.Lun;
import org.brickd.types.Portal;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * An iSCSI volume: its paths (portal, target, LUN) in the order the backend gave them,
 * the first being the one a single-path attach tries first. {@code discoverPortals}: the
 * backend named one portal and no target_portals list, so a multipath attach asks that
 * portal for the target's other portals (SendTargets), as os-brick does.
 */
public record IscsiConnection(
        VolumeId volumeId,
        List<IscsiPath> paths,
        Optional<Chap> chap,
        Optional<Chap> discoveryChap,
        Optional<Wwid> expectedWwid,
        boolean readOnly,
        boolean encrypted,
        boolean discoverPortals) implements ConnectionInfo {

    public IscsiConnection {
        paths = List.copyOf(paths);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("an iSCSI connection needs at least one path");
        }
    }

    @Override
    public String protocol() {
        return "iscsi";
    }

    @Override
    public List<String> lunAddresses() {
        return paths.stream().map(p -> "iscsi " + p.target() + " lun " + p.lun()).distinct().toList();
    }

    /** One way to the LUN. */
    public record IscsiPath(Portal portal, Iqn target, Lun lun) {
        @Override
        public String toString() {
            return portal + " " + target + " lun " + lun;
        }
    }
}
