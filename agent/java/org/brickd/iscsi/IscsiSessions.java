package org.brickd.iscsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.brickd.errors.InvalidInputException;
import org.brickd.host.Sysfs;
import org.brickd.types.Hctl;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;

/**
 * iSCSI sessions read from sysfs rather than parsed from {@code iscsiadm -m session}:
 * no fork, no text format to track across open-iscsi versions.
 * <pre>
 * /sys/class/iscsi_session/sessionN -&gt; ../../devices/platform/hostH/sessionN/iscsi_session/sessionN
 *     targetname, tpgt, state
 * /sys/class/iscsi_connection/connectionN:0/persistent_address, persistent_port
 * /sys/devices/platform/hostH/sessionN/targetH:C:T/H:C:T:L/block/sdX
 * </pre>
 */
public final class IscsiSessions {

    private static final Pattern SESSION = Pattern.compile("session(\\d{1,9})");
    private static final Pattern HOST_OF = Pattern.compile("(?:^|/)host(\\d{1,9})/session\\d{1,9}(?:/|$)");
    private static final Pattern TARGET_DIR = Pattern.compile("target(\\d{1,9}):(\\d{1,9}):(\\d{1,9})");

    private final Sysfs sysfs;

    public IscsiSessions(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** Every session the kernel has, in sid order. Sessions that vanish mid-read are skipped. */
    public List<IscsiSession> all() {
        List<IscsiSession> out = new ArrayList<>();
        for (String name : sysfs.list("class/iscsi_session")) {
            Matcher m = SESSION.matcher(name);
            if (m.matches()) {
                read(Integer.parseInt(m.group(1))).ifPresent(out::add);
            }
        }
        out.sort((a, b) -> Integer.compare(a.sid(), b.sid()));
        return out;
    }

    public Optional<IscsiSession> find(Portal portal, Iqn target) {
        return all().stream().filter(s -> s.matches(portal, target)).findFirst();
    }

    public Optional<IscsiSession> read(int sid) {
        String base = "class/iscsi_session/session" + sid;
        Optional<String> real = sysfs.resolve(base);
        Optional<String> target = sysfs.read(base + "/targetname");
        String conn = "class/iscsi_connection/connection" + sid + ":0";
        Optional<String> addr = sysfs.read(conn + "/persistent_address");
        Optional<String> port = sysfs.read(conn + "/persistent_port");
        if (real.isEmpty() || target.isEmpty() || addr.isEmpty() || port.isEmpty()) {
            return Optional.empty();
        }
        Matcher h = HOST_OF.matcher(real.get());
        if (!h.find()) {
            return Optional.empty();
        }
        try {
            String host = addr.get().contains(":") ? "[" + addr.get() + "]" : addr.get();
            Portal portal = Portal.parse("persistent_address", host + ":" + port.get());
            int tpgt = sysfs.read(base + "/tpgt").map(IscsiSessions::intOrMinus1).orElse(-1);
            return Optional.of(new IscsiSession(sid, Integer.parseInt(h.group(1)),
                    Iqn.parse("targetname", target.get()), portal, tpgt, sysfs.read(base + "/state").orElse("UNKNOWN")));
        } catch (InvalidInputException e) {
            return Optional.empty(); // a session brickd cannot describe is reported by inventory, not used
        }
    }

    /**
     * Channel and target id of the session's SCSI target (always 0:0 for iSCSI today, read
     * rather than assumed); empty before the first scan has created the target directory.
     */
    public Optional<int[]> channelTarget(IscsiSession s) {
        for (String name : sysfs.list(sessionDevice(s))) {
            Matcher m = TARGET_DIR.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(1)) == s.host()) {
                return Optional.of(new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
            }
        }
        return Optional.empty();
    }

    /** SCSI devices (H:C:T:L) present on the session. */
    public List<Hctl> devices(IscsiSession s) {
        List<Hctl> out = new ArrayList<>();
        String dev = sessionDevice(s);
        for (String name : sysfs.list(dev)) {
            if (TARGET_DIR.matcher(name).matches()) {
                for (String d : sysfs.list(dev + "/" + name)) {
                    try {
                        out.add(Hctl.parse("hctl", d));
                    } catch (InvalidInputException e) {
                        // power/, subsystem, uevent: not devices
                    }
                }
            }
        }
        return out;
    }

    private String sessionDevice(IscsiSession s) {
        // the session device directory: class/iscsi_session/sessionN/device
        return "class/iscsi_session/session" + s.sid() + "/device";
    }

    private static int intOrMinus1(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
