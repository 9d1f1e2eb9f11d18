package org.brickd.fc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.brickd.errors.InvalidInputException;
import org.brickd.host.Sysfs;
import org.brickd.types.Wwpn;

/**
 * Remote FC ports from {@code /sys/class/fc_remote_ports/rport-H:B-R}: which HBA (H) sees
 * which port, on which bus (B, the SCSI channel), with which SCSI target id. Read fresh on
 * every call: an rport's state and roles change under a running attach.
 */
public final class FcRemotePorts {

    private static final Pattern NAME = Pattern.compile("rport-(\\d{1,9}):(\\d{1,9})-(\\d{1,9})");

    /**
     * One remote port as one HBA sees it.
     *
     * @param scsiTargetId the SCSI target id the FC transport bound to it; -1 when it is no FCP target
     * @param roles        the {@code roles} line, e.g. "FCP Target, FCP Initiator"
     * @param portState    "Online", "Blocked", "Not Present"...
     */
    public record FcRemotePort(int host, int channel, int number, Wwpn portName, String roles, int scsiTargetId,
                               String portState) {

        public String name() {
            return "rport-" + host + ":" + channel + "-" + number;
        }

        /** An FCP target with a SCSI target id: LUNs behind it can be scanned. */
        public boolean scsiTarget() {
            return scsiTargetId >= 0 && roles.contains("FCP Target");
        }

        public boolean online() {
            return portState.equals("Online");
        }
    }

    private final Sysfs sysfs;

    public FcRemotePorts(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** Every remote port with a readable name, sorted by host, channel, number. */
    public List<FcRemotePort> all() {
        List<FcRemotePort> out = new ArrayList<>();
        for (String name : sysfs.list("class/fc_remote_ports")) {
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                continue;
            }
            read(name, m).ifPresent(out::add);
        }
        out.sort(Comparator.comparingInt(FcRemotePort::host).thenComparingInt(FcRemotePort::channel)
                .thenComparingInt(FcRemotePort::number));
        return out;
    }

    private Optional<FcRemotePort> read(String name, Matcher m) {
        String base = "class/fc_remote_ports/" + name + "/";
        Optional<String> port = sysfs.read(base + "port_name");
        if (port.isEmpty()) {
            return Optional.empty(); // removed between list and read
        }
        Wwpn wwpn;
        try {
            wwpn = Wwpn.parse("port_name", port.get().strip());
        } catch (InvalidInputException e) {
            return Optional.empty(); // a port without a WWPN cannot be named by a connection_info
        }
        int tid;
        try {
            tid = Integer.parseInt(sysfs.read(base + "scsi_target_id").orElse("-1").strip());
        } catch (NumberFormatException e) {
            tid = -1;
        }
        return Optional.of(new FcRemotePort(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), wwpn, sysfs.read(base + "roles").orElse("").strip(), tid,
                sysfs.read(base + "port_state").orElse("Unknown").strip()));
    }
}
