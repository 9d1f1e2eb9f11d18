package org.brickd.fc;

import java.util.ArrayList;
import java.util.List;
import org.brickd.errors.InvalidInputException;
import org.brickd.host.Sysfs;
import org.brickd.types.Wwnn;
import org.brickd.types.Wwpn;

/** Fibre Channel HBAs from /sys/class/fc_host/hostN (port_name, node_name, port_state). */
public final class FcHosts {

    /** One HBA port. */
    public record FcHost(int host, Wwpn portName, Wwnn nodeName, String portState) {
        public boolean online() {
            return portState.equals("Online");
        }
    }

    private final Sysfs sysfs;

    public FcHosts(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    public List<FcHost> all() {
        List<FcHost> out = new ArrayList<>();
        for (String name : sysfs.list("class/fc_host")) {
            if (!name.matches("host\\d{1,9}")) {
                continue;
            }
            String base = "class/fc_host/" + name + "/";
            try {
                out.add(new FcHost(Integer.parseInt(name.substring(4)),
                        Wwpn.parse("port_name", sysfs.read(base + "port_name").orElse("")),
                        Wwnn.parse("node_name", sysfs.read(base + "node_name").orElse("")),
                        sysfs.read(base + "port_state").orElse("Unknown")));
            } catch (InvalidInputException e) {
                // an HBA without readable names is not usable for attach; inventory shows it raw
            }
        }
        return out;
    }

    public List<FcHost> online() {
        return all().stream().filter(FcHost::online).toList();
    }
}
