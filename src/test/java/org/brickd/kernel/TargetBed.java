package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.brickd.host.CommandResult;
import org.brickd.types.Wwid;

/** The bed's LIO target, driven through testbed/guest/bedctl.sh. */
final class TargetBed {

    static final String TARGET_IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    static final String PORTAL_1 = "127.0.0.1:3260";
    static final String PORTAL_2 = "127.0.0.2:3260";
    /** A second target with a portal of its own, so a test can drop its packets alone. */
    static final String TARGET2_IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt2";
    static final String TARGET2_IP = "127.0.0.3";
    static final String PORTAL_3 = TARGET2_IP + ":3260";

    /** One bedctl call on a few LUNs or portals (bedctl's own waits are shorter). */
    private static final Duration BEDCTL_DEADLINE = Duration.ofSeconds(60);

    private TargetBed() {}

    /** A new backstore with a fresh serial; answers the WWID LIO will report for it. */
    static Wwid createLun(String name, int sizeMb) {
        String serial = UUID.randomUUID().toString();
        String out = bedctl("lun_create", name, Integer.toString(sizeMb), serial).strip();
        return Wwid.parse("bed", out.substring(out.lastIndexOf('\n') + 1).strip());
    }

    static void map(String name, int lun) {
        bedctl("lun_map", name, Integer.toString(lun));
    }

    static void unmap(int lun) {
        bedctl("lun_unmap", Integer.toString(lun));
    }

    static void resize(String name, int sizeMb) {
        bedctl("lun_resize", name, Integer.toString(sizeMb));
    }

    static void portalDown(String ip) {
        bedctl("portal_disable", ip);
    }

    static void portalUp(String ip) {
        bedctl("portal_enable", ip);
    }

    /** Creates (idempotently) the second target and exports backstore {@code name} there as {@code lun}. */
    static void mapOnSecondTarget(String name, int lun) {
        onSecondTarget("target");
        onSecondTarget("lun_map", name, Integer.toString(lun));
    }

    static void unmapOnSecondTarget(int lun) {
        onSecondTarget("lun_unmap", Integer.toString(lun));
    }

    private static void onSecondTarget(String... args) {
        bedctlWith(BEDCTL_DEADLINE, List.of("env", "BED_TARGET_IQN=" + TARGET2_IQN, "BED_PORTALS=" + TARGET2_IP), args);
    }

    static String bedctl(String... args) {
        return bedctlWith(BEDCTL_DEADLINE, List.of(), args);
    }

    /** bedctl's "luns": new LUNs from {@code first}, one per serial, in one configfs pass (up to 2 s per LUN under TCG). */
    static String luns(String prefix, int first, int sizeMb, List<String> serials) {
        List<String> args = new ArrayList<>(List.of("luns", prefix, Integer.toString(first), Integer.toString(sizeMb)));
        args.addAll(serials);
        return bedctlWith(BEDCTL_DEADLINE.plusSeconds(2L * serials.size()), List.of(), args.toArray(String[]::new));
    }

    /** bedctl's "luns_unmap" of {@code count} LUNs from {@code first}. */
    static void unmapLuns(int first, int count) {
        bedctlWith(BEDCTL_DEADLINE.plusSeconds(count), List.of(), "luns_unmap", Integer.toString(first),
                Integer.toString(count));
    }

    private static String bedctlWith(Duration deadline, List<String> prefix, String... args) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of("bash", System.getenv("BRICKD_HOME") + "/testbed/guest/bedctl.sh"));
        argv.addAll(List.of(args));
        CommandResult r = KernelBed.run(deadline, argv.toArray(String[]::new));
        assertThat(r.exitCode()).as("bedctl %s: %s", args[0], r.stderr()).isZero();
        return r.stdout();
    }

    /** nova's connection_info of volume {@code vol} on LUN {@code lun} through both portals of tgt1. */
    static String multipathConnectionInfo(String vol, int lun) {
        return """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portals": ["%s", "%s"], "target_iqns": ["%s", "%s"], "target_luns": [%d, %d],
                          "volume_id": "%s", "access_mode": "rw"}}
                """.formatted(vol, PORTAL_1, PORTAL_2, TARGET_IQN, TARGET_IQN, lun, lun, vol);
    }

    /** Sessions, SCSI devices of LIO, node records: what an operator would list after a detach. */
    static String leftovers() {
        StringBuilder b = new StringBuilder();
        CommandResult s = KernelBed.run("iscsiadm", "-m", "session");
        if (s.exitCode() == 0) {
            b.append("sessions: ").append(s.stdout().strip()).append('\n');
        }
        CommandResult n = KernelBed.run("iscsiadm", "-m", "node");
        if (n.exitCode() == 0) {
            b.append("nodes: ").append(n.stdout().strip()).append('\n');
        }
        for (String line : KernelBed.ok("lsscsi").split("\n")) {
            if (line.contains("LIO-ORG")) {
                b.append("device: ").append(line).append('\n');
            }
        }
        CommandResult d = KernelBed.run("iscsiadm", "-m", "discoverydb");
        if (d.exitCode() == 0 && !d.stdout().isBlank()) {
            b.append("discovery records: ").append(d.stdout().strip()).append('\n');
        }
        CommandResult dm = KernelBed.run("dmsetup", "ls", "--target", "multipath");
        if (dm.exitCode() == 0 && !dm.stdout().contains("No devices found")) {
            b.append("maps: ").append(dm.stdout().strip()).append('\n');
        }
        return b.toString();
    }
}
