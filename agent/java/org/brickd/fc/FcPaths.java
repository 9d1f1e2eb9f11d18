package org.brickd.fc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.brickd.connector.FcConnection;
import org.brickd.connector.FcConnection.FcTarget;
import org.brickd.fc.FcHosts.FcHost;
import org.brickd.fc.FcRemotePorts.FcRemotePort;
import org.brickd.types.Hctl;
import org.brickd.types.Lun;
import org.brickd.types.Wwpn;

/**
 * Decides which SCSI devices a Fibre Channel volume has on this host, from a snapshot of
 * its HBAs and remote ports: pure, no host access. A path is (HBA, target port, LUN) and
 * its device's address is the rport's host, bus (channel) and SCSI target id with the
 * LUN's kernel number: exactly what a targeted "C T L" scan names (I2).
 */
public final class FcPaths {

    /** One way to the LUN: an HBA, a target port it sees, the LUN. */
    public record FcPath(FcHost hba, FcRemotePort rport, Lun lun) {
        public Hctl hctl() {
            return new Hctl(rport.host(), rport.channel(), rport.scsiTargetId(), lun.kernelLun());
        }

        /** {@code host7 (200002000000000b) -> 200002000000000a (rport-7:0-0) LUN 1}. */
        @Override
        public String toString() {
            return "host" + hba.host() + " (" + hba.portName() + ") -> " + rport.portName() + " (" + rport.name()
                    + ") LUN " + lun;
        }
    }

    /**
     * What a connect may scan: the paths, and each target port of the volume that no allowed
     * online HBA sees as an online FCP target, with why (it is reported, never replaced by
     * a wildcard scan).
     */
    public record Plan(List<FcPath> paths, List<String> unreachable) {
        public Plan {
            paths = List.copyOf(paths);
            unreachable = List.copyOf(unreachable);
        }
    }

    private FcPaths() {}

    /**
     * The paths a connect scans: for each target port of the volume, every online HBA that
     * {@code initiator_target_map} allows (all when the map is absent) and that sees that
     * port Online as an FCP target with a SCSI target id.
     */
    public static Plan forConnect(FcConnection c, List<FcHost> hosts, List<FcRemotePort> rports) {
        Map<Hctl, FcPath> paths = new LinkedHashMap<>();
        List<String> unreachable = new ArrayList<>();
        for (FcTarget t : c.targets()) {
            List<String> why = new ArrayList<>();
            boolean reached = false;
            for (FcHost hba : hosts) {
                if (!hba.online()) {
                    why.add("host" + hba.host() + " is " + hba.portState());
                    continue;
                }
                if (!allowed(c, hba.portName(), t.wwpn())) {
                    why.add("host" + hba.host() + " (" + hba.portName() + ") is not mapped to it by initiator_target_map");
                    continue;
                }
                boolean seen = false;
                for (FcRemotePort r : rports) {
                    if (r.host() != hba.host() || !r.portName().equals(t.wwpn())) {
                        continue;
                    }
                    seen = true;
                    if (r.online() && r.scsiTarget()) {
                        FcPath p = new FcPath(hba, r, t.lun());
                        paths.putIfAbsent(p.hctl(), p);
                        reached = true;
                    } else {
                        why.add("host" + hba.host() + " sees it as " + r.name() + " " + r.portState() + ", roles '"
                                + r.roles() + "', SCSI target id " + r.scsiTargetId());
                    }
                }
                if (!seen) {
                    why.add("host" + hba.host() + " does not see it");
                }
            }
            if (hosts.isEmpty()) {
                why.add("this host has no FC HBA");
            }
            if (!reached) {
                unreachable.add("target " + t.wwpn() + " LUN " + t.lun() + ": unreachable (" + String.join("; ", why) + ")");
            }
        }
        return new Plan(new ArrayList<>(paths.values()), unreachable);
    }

    /**
     * Every address the volume's devices can have on this host, on every HBA whatever its
     * state or the initiator_target_map (a disconnect must find them all, I3): each rport
     * of a target port of the volume that has a SCSI target id, with the LUN.
     */
    public static Set<Hctl> forDisconnect(FcConnection c, List<FcRemotePort> rports) {
        Set<Hctl> out = new LinkedHashSet<>();
        for (FcTarget t : c.targets()) {
            for (FcRemotePort r : rports) {
                if (r.portName().equals(t.wwpn()) && r.scsiTargetId() >= 0) {
                    out.add(new Hctl(r.host(), r.channel(), r.scsiTargetId(), t.lun().kernelLun()));
                }
            }
        }
        return out;
    }

    private static boolean allowed(FcConnection c, Wwpn initiator, Wwpn target) {
        Map<Wwpn, List<Wwpn>> map = c.initiatorTargetMap();
        return map.isEmpty() || map.getOrDefault(initiator, List.of()).contains(target);
    }
}
