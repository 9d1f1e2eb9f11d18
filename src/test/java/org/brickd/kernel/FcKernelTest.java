package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.brickd.connector.Attached;
import org.brickd.connector.Detached;
import org.brickd.connector.FcConnection;
import org.brickd.connector.Identity;
import org.brickd.connector.PathIdentity;
import org.brickd.connector.VolumeDevices;
import org.brickd.fc.FcConnector;
import org.brickd.fc.FcHosts;
import org.brickd.fc.FcRemotePorts;
import org.brickd.host.CommandResult;
import org.brickd.host.JnaDevMapper;
import org.brickd.host.JnaMpathcmd;
import org.brickd.host.Uevents;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.Multipath;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.rpc.RpcClient;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fibre Channel on the real FC transport: FCoE VN2VN over two veth pairs against LIO's
 * tcm_fc target (testbed/guest/bed-fc.sh). fcB and fcD are this host's HBAs; target port
 * 20:00:02:00:00:00:00:0a is reached through fcB, ...0c through fcD; both present LUN 0 and
 * LUN 1. scsi_mod's scan mode is manual, as brickd sets it (I2).
 */
@Tag("kernel")
class FcKernelTest {

    static final String T1 = "20:00:02:00:00:00:00:0a";
    static final String T2 = "20:00:02:00:00:00:00:0c";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Uevents uevents;
    private static FcConnector connector;
    private static DmMaps maps;
    private static Wwid wwid0;
    private static Wwid wwid1;
    private static int hostB;
    private static int hostD;

    @BeforeAll
    static void bed() {
        KernelBed.requireBed();
        fcBed("fc_up");
        wwid0 = Wwid.parse(fcBed("fc_wwid", "0").strip());
        wwid1 = Wwid.parse(fcBed("fc_wwid", "1").strip());
        hostB = Integer.parseInt(fcBed("fc_host", "fcB").strip());
        hostD = Integer.parseInt(fcBed("fc_host", "fcD").strip());
        uevents = Uevents.open(KernelBed.NATIVE, Duration.ofMillis(200));
        ScsiOps scsi = new ScsiOps(KernelBed.SYSFS, KernelBed.DEV, KernelBed.NATIVE, uevents);
        maps = new DmMaps(KernelBed.SYSFS);
        Multipath mp = new Multipath(new JnaMpathcmd(), KernelBed.COMMANDS, new JnaDevMapper(), KernelBed.SYSFS,
                KernelBed.DEV, uevents, Multipath.Settings.defaults());
        connector = new FcConnector(new FcHosts(KernelBed.SYSFS), new FcRemotePorts(KernelBed.SYSFS), scsi,
                new PathIdentity(new WwidProbe(KernelBed.DEV, KernelBed.NATIVE, Duration.ofSeconds(10)), KernelBed.DEV,
                        uevents, Duration.ofSeconds(15)),
                new VolumeDevices(scsi, mp, maps, Duration.ofSeconds(20)), mp,
                new FcConnector.Settings(Duration.ofSeconds(20), Duration.ofSeconds(15), Duration.ofSeconds(20)));
    }

    @AfterAll
    static void close() {
        if (uevents != null) {
            uevents.close();
        }
    }

    /** Volumes a test attached: forced off after it, so that one failing test does not spoil the next. */
    private final List<FcConnection> attached = new ArrayList<>();

    @AfterEach
    void nothingLeftBehind() {
        fcBed("fc_link_up", "fcB");
        fcBed("fc_link_up", "fcD");
        List<String> left = fcDevices();
        boolean maps0 = maps.byWwid(wwid0).isPresent();
        boolean maps1 = maps.byWwid(wwid1).isPresent();
        for (FcConnection c : attached) {
            connector.disconnect(c, true, Optional.of(wwid0));
            connector.disconnect(c, true, Optional.of(wwid1));
        }
        assertThat(left).as("FC SCSI devices after the test").isEmpty();
        assertThat(maps0).as("map of LUN 0 after the test").isFalse();
        assertThat(maps1).as("map of LUN 1 after the test").isFalse();
    }

    private Attached attach(FcConnection c, boolean multipath) {
        attached.add(c);
        return multipath ? connector.connectMultipath(c, Identity.none()) : connector.connectSingle(c, Identity.none());
    }

    static String fcBed(String... args) {
        List<String> argv = new ArrayList<>(List.of("bash", System.getenv("BRICKD_HOME") + "/testbed/guest/bed-fc.sh"));
        argv.addAll(List.of(args));
        CommandResult r = KernelBed.run(argv.toArray(String[]::new));
        assertThat(r.exitCode()).as("bed-fc.sh %s: %s", String.join(" ", args), r.stderr()).isZero();
        return r.stdout();
    }

    /** Every SCSI device under an FC remote port, as H:C:T:L. */
    static List<String> fcDevices() {
        List<String> out = new ArrayList<>();
        for (String h : KernelBed.SYSFS.list("class/scsi_device")) {
            KernelBed.SYSFS.resolve("class/scsi_device/" + h).filter(p -> p.contains("/rport-")).ifPresent(p -> out.add(h));
        }
        return out;
    }

    static String connectionInfo(String targetWwn, int lun) {
        String vol = UUID.randomUUID().toString();
        return """
                {"driver_volume_type": "fibre_channel", "serial": "%s",
                 "data": {"target_discovered": false, "target_wwn": %s, "target_lun": %d, "volume_id": "%s",
                          "access_mode": "rw", "encrypted": false}}
                """.formatted(vol, targetWwn, lun, vol);
    }

    static FcConnection volume(String targetWwn, int lun) throws Exception {
        return (FcConnection) ConnectionInfoJson.parse(JSON.readTree(connectionInfo(targetWwn, lun)));
    }

    static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void singlePathConnectBringsOnlyTheRequestedLunAndDisconnectLeavesNothing() throws Exception {
        assertThat(KernelBed.SYSFS.read("module/scsi_mod/parameters/scan")).contains("manual");
        assertThat(fcDevices()).as("LUNs present before any scan, although both target ports are up").isEmpty();
        FcConnection c = volume("\"" + T1 + "\"", 1);

        long t0 = System.nanoTime();
        Attached att = attach(c, false);
        long connectMs = ms(t0);

        assertThat(att.wwid()).isEqualTo(wwid1);
        assertThat(att.path()).isEqualTo("/dev/disk/by-id/scsi-" + wwid1.udev());
        assertThat(Path.of(att.path()).toRealPath()).isEqualTo(Path.of(att.devices().get(0).disk().devPath()));
        // I2: LUN 0 is mapped to this initiator by the same target port, and fcD sees the same LUNs: only one device
        assertThat(fcDevices()).containsExactly(hostB + ":0:0:1");

        t0 = System.nanoTime();
        Detached det = connector.disconnect(c, false, Optional.of(att.wwid()));
        long disconnectMs = ms(t0);

        assertThat(det.clean()).isTrue();
        assertThat(det.errors()).isEmpty();
        assertThat(det.removed()).containsExactly("device " + hostB + ":0:0:1");
        assertThat(KernelBed.DEV.exists(att.devices().get(0).disk())).isFalse();
        System.out.printf("FC single-path connect %d ms, disconnect %d ms%n", connectMs, disconnectMs);
    }

    @Test
    void aTargetPortThatComesBackBringsNoLunByItself() throws Exception {
        fcBed("fc_link_down", "fcD");
        fcBed("fc_link_up", "fcD"); // waits until the rport is Online again with its SCSI target id
        // the transport's own scan of the returning rport runs from a workqueue: give it time to do harm
        for (int i = 0; i < 30; i++) {
            assertThat(fcDevices()).as("devices %d00 ms after the target port came back", i).isEmpty();
            Thread.sleep(100);
        }
    }

    @Test
    void multipathOverBothFcoePathsAndADisconnectThatLeavesNothing() throws Exception {
        FcConnection c = volume("[\"" + T1 + "\", \"" + T2 + "\"]", 0);

        long t0 = System.nanoTime();
        Attached att = attach(c, true);
        long connectMs = ms(t0);

        assertThat(att.wwid()).isEqualTo(wwid0);
        assertThat(att.failedPaths()).isEmpty();
        assertThat(fcDevices()).containsExactlyInAnyOrder(hostB + ":0:0:0", hostD + ":0:0:0");
        assertThat(att.path()).isEqualTo("/dev/disk/by-id/dm-uuid-mpath-" + wwid0.udev());
        assertThat(maps.byWwid(wwid0)).get().satisfies(m -> assertThat(m.slaves()).hasSize(2));
        assertThat(Path.of(att.path()).toRealPath()).isEqualTo(Path.of(att.map().get().devPath()));

        t0 = System.nanoTime();
        Detached det = connector.disconnect(c, false, Optional.of(att.wwid()));
        long disconnectMs = ms(t0);

        assertThat(det.clean()).isTrue();
        assertThat(det.errors()).isEmpty();
        assertThat(det.removed()).hasSize(3);
        System.out.printf("FC multipath (2 paths) connect %d ms, disconnect %d ms%n", connectMs, disconnectMs);
    }

    @Test
    void forcedDisconnectWithEveryLinkDownLeavesNothing() throws Exception {
        FcConnection c = volume("[\"" + T1 + "\", \"" + T2 + "\"]", 0);
        Attached att = attach(c, true);
        fcBed("fc_link_down", "fcB");
        fcBed("fc_link_down", "fcD");

        long t0 = System.nanoTime();
        Detached det = connector.disconnect(c, true, Optional.of(att.wwid()));
        long forcedMs = ms(t0);

        assertThat(det.leftovers()).isEmpty();
        assertThat(det.clean()).isTrue();
        assertThat(det.removed()).contains("device " + hostB + ":0:0:0", "device " + hostD + ":0:0:0");
        assertThat(fcDevices()).isEmpty();
        assertThat(maps.byWwid(wwid0)).isEmpty();
        System.out.printf("FC forced disconnect, both links down: %d ms (errors: %s)%n", forcedMs, det.errors());
    }

    @Test
    void forcedDisconnectWithEveryLinkDownAndTheMapHeldOpenLeavesNothing() throws Exception {
        FcConnection c = volume("[\"" + T1 + "\", \"" + T2 + "\"]", 0);
        Attached att = attach(c, true);
        Detached det;
        long forcedMs;
        try (FileChannel holder = FileChannel.open(Path.of(att.map().get().devPath()), StandardOpenOption.READ)) {
            holder.read(ByteBuffer.allocate(512), 0);
            fcBed("fc_link_down", "fcB");
            fcBed("fc_link_down", "fcD");

            long t0 = System.nanoTime();
            det = connector.disconnect(c, true, Optional.of(att.wwid()));
            forcedMs = ms(t0);

            assertThat(det.removed()).anyMatch(r -> r.startsWith("map " + wwid0.udev()));
            assertThat(det.removed()).contains("device " + hostB + ":0:0:0", "device " + hostD + ":0:0:0");
            assertThat(fcDevices()).isEmpty();
        }
        // the holder closed: the deferred removal completes now
        uevents.await("map " + wwid0.udev() + " gone", () -> maps.byWwid(wwid0).isEmpty(), Duration.ofSeconds(20));
        System.out.printf("FC forced disconnect, both links down, map held open: %d ms; removed %s; errors %s%n",
                forcedMs, det.removed(), det.errors());
    }

    @Test
    void aTargetPortBehindADeadLinkIsReportedAndTheAttachIsDegraded() throws Exception {
        fcBed("fc_link_down", "fcD");
        FcConnection c = volume("[\"" + T1 + "\", \"" + T2 + "\"]", 0);

        Attached att = attach(c, true);

        assertThat(att.devices()).singleElement().satisfies(p -> assertThat(p.hctl().host()).isEqualTo(hostB));
        assertThat(att.failedPaths()).singleElement().asString()
                .startsWith("target 200002000000000c LUN 0: unreachable (")
                .contains("host" + hostD + " is Linkdown");
        assertThat(fcDevices()).containsExactly(hostB + ":0:0:0");
        assertThat(connector.disconnect(c, false, Optional.of(att.wwid())).clean()).isTrue();
    }

    @Test
    void extendReportsTheNewSize() throws Exception {
        FcConnection c = volume("\"" + T2 + "\"", 1);
        Attached att = attach(c, false);
        long before = KernelBed.NATIVE.sizeBytes(Path.of(att.path()));
        int newMb = (int) (before >> 20) + 32;

        fcBed("fc_lun_resize", "1", Integer.toString(newMb));
        long size = connector.extend(c);

        assertThat(size).isEqualTo((long) newMb << 20);
        assertThat(connector.volumePaths(c)).containsExactly(att.devices().get(0).disk().devPath());
        assertThat(connector.disconnect(c, false, Optional.of(att.wwid())).clean()).isTrue();
    }

    @Test
    void throughTheDaemonWhichKeepsScansManualReportsUnownedLunsAndConnectsAndDisconnects() throws Exception {
        Path scanMode = Path.of("/sys/module/scsi_mod/parameters/scan");
        // as a host boots: the midlayer scans by itself until brickd starts
        Files.writeString(scanMode, "async");
        try (BrickdProcess daemon = new BrickdProcess(Files.createTempDirectory("brickd-fc")).start()) {
            assertThat(Files.readString(scanMode).strip()).as("scsi_mod scan with brickd running").isEqualTo("manual");
            assertThat(Files.readString(daemon.log)).contains("SCSI scan mode (scsi_mod scan) was 'async'");
            RpcClient rpc = daemon.client();
            // I2: a target port that comes back brings no LUN by itself
            fcBed("fc_link_down", "fcD");
            fcBed("fc_link_up", "fcD");
            for (int i = 0; i < 30; i++) {
                assertThat(fcDevices()).as("devices %d00 ms after the target port came back", i).isEmpty();
                Thread.sleep(100);
            }
            // an operator's wildcard scan brings LUNs nobody asked for: reported, not adopted
            Files.writeString(Path.of("/sys/class/scsi_host/host" + hostD + "/scan"), "- - -");
            List<String> stray = fcDevices();
            assertThat(stray).as("after a wildcard scan").contains(hostD + ":0:0:0", hostD + ":0:0:1");
            JsonNode found = rpc.call("find_stale", JSON.createObjectNode());
            for (String h : stray) {
                assertThat(found.get("findings")).as("find_stale: %s", found).anySatisfy(f -> {
                    assertThat(f.get("hctl").asText()).isEqualTo(h);
                    assertThat(f.get("class").asText()).isEqualTo("unowned");
                });
            }
            for (String h : stray) {
                Files.writeString(Path.of("/sys/class/scsi_device/" + h + "/device/delete"), "1");
            }
            uevents.await("the stray FC devices removed", () -> fcDevices().isEmpty(), Duration.ofSeconds(30));

            ObjectNode params = JSON.createObjectNode();
            String ci = connectionInfo("\"" + T1 + "\"", 1);
            attached.add((FcConnection) ConnectionInfoJson.parse(JSON.readTree(ci)));
            params.set("connection_info", JSON.readTree(ci));
            params.put("use_multipath", false);
            long t0 = System.nanoTime();
            JsonNode attached = rpc.call("connect_volume", params);
            long connectMs = ms(t0);
            assertThat(attached.get("path").asText()).isEqualTo("/dev/disk/by-id/scsi-" + wwid1.udev());
            assertThat(attached.get("scsi_wwn").asText()).isEqualTo(wwid1.udev());
            assertThat(fcDevices()).containsExactly(hostB + ":0:0:1");
            assertThat(rpc.call("get_volume_paths", params).get("paths")).hasSize(1);
            assertThat(rpc.call("find_stale", JSON.createObjectNode()).get("findings")).as("the attached LUN is owned")
                    .isEmpty();

            params.putNull("device_info");
            params.put("force", false);
            JsonNode detached = rpc.call("disconnect_volume", params);
            assertThat(detached.get("clean").asBoolean()).as(detached.toString()).isTrue();
            System.out.printf("FC through the daemon: connect_volume %d ms%n", connectMs);
        } finally {
            Files.writeString(scanMode, "manual");
        }
    }
}
