package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Uevents;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The CVE-2023-2088 scenario on the real kernel, through the real daemon's socket: volume A
 * attached at a LUN number, the array unmaps A and exports volume B at the same number.
 * The kernel keeps A's /dev/sdX and it now reads B's data; brickd detects the drift, fences
 * A, and hands out B only on a freshly scanned, verified device. Run 20 times: 0 wrong
 * hand-outs. Also: an unmapped LUN under an attachment is found stale and removed.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaleKernelTest {

    private static final int LUN = 7;
    private static final int ROUNDS = 20;
    private static BrickdProcess brickd;
    private static Wwid wwidA;
    private static Wwid wwidB;

    @BeforeAll
    static void bed() throws Exception {
        KernelBed.requireBed();
        wwidA = TargetBed.createLun("cva", 32);
        wwidB = TargetBed.createLun("cvb", 32);
        mark("cva", "VOLUME-A");
        mark("cvb", "VOLUME-B");
        brickd = new BrickdProcess(Files.createTempDirectory("brickd-stale"), "stale_scan_interval = off").start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (brickd != null) {
            brickd.close();
            System.out.println("---- brickd log (tail)\n" + brickd.logTail());
        }
    }

    @AfterEach
    void nothingLeftBehind() {
        TargetBed.unmap(LUN);
        assertThat(TargetBed.leftovers()).as("sessions/devices/nodes/maps after the test").isEmpty();
    }

    /** Writes a marker at the start of a backstore's file (LIO fileio reads it through the page cache). */
    private static void mark(String backstore, String text) throws IOException {
        try (FileChannel f = FileChannel.open(Path.of("/tmp/bed/" + backstore + ".img"), StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), 0);
            f.force(true);
        }
    }

    /** The first bytes of a block device, read with O_DIRECT (no page cache: what the LUN answers now). */
    private static String head(String dev) {
        return KernelBed.ok("dd", "if=" + dev, "bs=4096", "count=1", "iflag=direct", "status=none").substring(0, 8);
    }

    private static String ci(String vol) {
        return """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": %d, "target_discovered": false,
                          "volume_id": "%s", "access_mode": "rw", "encrypted": false, "qos_specs": null}}
                """.formatted(vol, TargetBed.PORTAL_1, TargetBed.TARGET_IQN, LUN, vol);
    }

    private static JsonNode connect(String vol) throws IOException {
        return brickd.call("connect_volume", "{\"connection_info\": " + ci(vol)
                + ", \"instance_uuid\": \"" + UUID.randomUUID() + "\", \"use_multipath\": false}");
    }

    private static JsonNode disconnect(String vol, JsonNode deviceInfo) throws IOException {
        return brickd.call("disconnect_volume", "{\"connection_info\": " + ci(vol) + ", \"device_info\": " + deviceInfo
                + ", \"force\": false, \"ignore_errors\": false}");
    }

    private static List<JsonNode> findings(JsonNode r) {
        List<JsonNode> out = new ArrayList<>();
        r.get("findings").forEach(out::add);
        return out;
    }

    @Test
    @Order(1)
    void aReusedLunIsNeverHandedOutThroughTheOldDevice() throws Exception {
        List<String> wrong = new ArrayList<>();
        long fenceMsTotal = 0;
        for (int round = 0; round < ROUNDS; round++) {
            boolean viaCleanup = round % 2 == 1;
            String volA = UUID.randomUUID().toString();
            String volB = UUID.randomUUID().toString();
            TargetBed.map("cva", LUN);
            JsonNode a = connect(volA);
            String devA = KernelBed.ok("readlink", "-f", a.get("path").asText()).strip();
            assertThat(head(a.get("path").asText())).isEqualTo("VOLUME-A");

            // the array reuses the LUN number
            TargetBed.unmap(LUN);
            TargetBed.map("cvb", LUN);
            if (round == 0) {
                String sysfsWwid = KernelBed.ok("cat", "/sys/block/" + devA.substring(5) + "/device/wwid").strip();
                System.out.printf("without brickd: the kernel keeps %s; its sysfs wwid still says %s; it now reads '%s'%n",
                        devA, sysfsWwid, head(devA));
                assertThat(head(devA)).as("the kernel's old device reads the new volume (the CVE)").isEqualTo("VOLUME-B");
            }

            List<JsonNode> found = findings(brickd.call("find_stale", "{}"));
            assertThat(found).as("find_stale after the LUN swap").anySatisfy(f -> {
                assertThat(f.get("class").asText()).isEqualTo("drift");
                assertThat(f.get("device").asText()).isEqualTo(devA);
                assertThat(f.get("volume_id").asText()).isEqualTo(volA);
                assertThat(f.get("wwid_recorded").asText()).isEqualTo(wwidA.udev());
                assertThat(f.get("wwid_now").asText()).isEqualTo(wwidB.udev());
                assertThat(f.get("action").asText()).isEqualTo("fence");
            });

            long t0 = System.nanoTime();
            if (viaCleanup) {
                JsonNode c = brickd.call("cleanup_stale", "{\"dry_run\": false}");
                assertThat(c.get("clean").asBoolean()).as("cleanup %s", c).isTrue();
                assertThat(Files.exists(Path.of(devA))).as("%s after cleanup", devA).isFalse();
            }
            JsonNode b = connect(volB);
            fenceMsTotal += (System.nanoTime() - t0) / 1_000_000;

            String bHead = head(b.get("path").asText());
            if (!bHead.equals("VOLUME-B") || !b.get("scsi_wwn").asText().equals(wwidB.udev())) {
                wrong.add("round " + round + ": B handed out " + b + " reading '" + bHead + "'");
            }
            if (Files.exists(Path.of(a.get("path").asText()))) {
                wrong.add("round " + round + ": A's path " + a.get("path").asText() + " still exists and reads '"
                        + head(a.get("path").asText()) + "'");
            }
            JsonNode list = brickd.call("list_attachments", "{}");
            String stateA = null;
            for (JsonNode x : list.get("attachments")) {
                if (x.get("volume_id").asText().equals(volA)) {
                    stateA = x.get("state").asText();
                }
            }
            assertThat(stateA).as("A in list_attachments").isEqualTo("fenced");

            JsonNode da = disconnect(volA, a);
            assertThat(da.get("fenced").asBoolean()).as("detach of fenced A: %s", da).isTrue();
            assertThat(Files.exists(Path.of(KernelBed.ok("readlink", "-f", b.get("path").asText()).strip())))
                    .as("B's device after A's detach").isTrue();
            JsonNode db = disconnect(volB, b);
            assertThat(db.get("clean").asBoolean()).as("detach of B: %s", db).isTrue();
            TargetBed.unmap(LUN);
        }
        System.out.printf("LUN reuse: %d rounds, %d wrong hand-outs; fence + fresh attach of B %d ms on average%n",
                ROUNDS, wrong.size(), fenceMsTotal / ROUNDS);
        assertThat(wrong).as("wrong hand-outs").isEmpty();
    }

    @Test
    @Order(2)
    void anUnmappedLunUnderAnAttachmentIsStaleAndCleanupRemovesIt() throws Exception {
        String volA = UUID.randomUUID().toString();
        Unmapped u = attachThenUnmap(volA);
        JsonNode a = u.connected();
        String devA = u.device();

        // the operator's probe sees it: brickctl check exits 1 and names the device
        CommandResult probe = brickctl("check");
        assertThat(probe.exitCode()).as(probe.summary() + "\n" + probe.stdout()).isEqualTo(1);
        assertThat(probe.stdout()).contains("stale: " + devA + " (")
                .contains("to do: brickctl cleanup");

        JsonNode dry = brickd.call("cleanup_stale", "{\"dry_run\": true}");
        assertThat(findings(dry)).anySatisfy(f -> {
            assertThat(f.get("class").asText()).isEqualTo("stale");
            assertThat(f.get("device").asText()).isEqualTo(devA);
            assertThat(f.get("action").asText()).isEqualTo("remove-device");
        });
        assertThat(Files.exists(Path.of(devA))).as("dry run removes nothing").isTrue();

        long t0 = System.nanoTime();
        JsonNode c = brickd.call("cleanup_stale", "{\"dry_run\": false}");
        System.out.printf("stale cleanup of an unmapped LUN: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(c.get("clean").asBoolean()).as("cleanup %s", c).isTrue();
        assertThat(Files.exists(Path.of(devA))).isFalse();
        assertThat(findings(brickd.call("find_stale", "{}"))).isEmpty();

        JsonNode d = disconnect(volA, a);
        assertThat(d.get("clean").asBoolean()).as("detach after cleanup: %s", d).isTrue();
        CommandResult after = brickctl("check");
        assertThat(after.exitCode()).as(after.summary() + "\n" + after.stdout()).isZero();
        assertThat(after.stdout()).contains("all checks passed");
    }

    @Test
    @Order(3)
    void withoutBrickdTheKernelKeepsTheOldDeviceAndItReadsTheNewVolume() throws IOException {
        // what a plain initiator does (login, targeted scan, as os-brick): no brickd involved
        String p = TargetBed.PORTAL_1;
        String t = TargetBed.TARGET_IQN;
        TargetBed.map("cva", LUN);
        KernelBed.ok("iscsiadm", "-m", "node", "-o", "new", "-T", t, "-p", p);
        try {
            KernelBed.ok("iscsiadm", "-m", "node", "-T", t, "-p", p, "-o", "update", "-n", "node.session.scan", "-v",
                    "manual");
            KernelBed.ok("iscsiadm", "-m", "node", "-T", t, "-p", p, "--login");
            String host = TargetBed.bedctl("iscsi_host", "127.0.0.1").strip();
            String hctl = host + ":0:0:" + LUN;
            Path block = Path.of("/sys/class/scsi_device/" + hctl + "/device/block");
            try (Uevents uevents = Uevents.open(KernelBed.NATIVE, Duration.ofMillis(200))) {
                Files.writeString(Path.of("/sys/class/scsi_host/host" + host + "/scan"), "0 0 " + LUN);
                uevents.await("the disk of " + hctl, () -> Files.isDirectory(block) && block.toFile().list().length == 1
                        && Files.exists(Path.of("/dev/" + block.toFile().list()[0])), Duration.ofSeconds(30));
            }
            String dev = "/dev/" + block.toFile().list()[0];
            assertThat(head(dev)).isEqualTo("VOLUME-A");

            TargetBed.unmap(LUN);
            TargetBed.map("cvb", LUN);
            // a second targeted scan of the same address, as a new attach would do: the kernel
            // sees the LUN as present and makes nothing new
            Files.writeString(Path.of("/sys/class/scsi_host/host" + host + "/scan"), "0 0 " + LUN);

            assertThat(KernelBed.ok("ls", "/sys/class/scsi_device/" + hctl + "/device/block").strip())
                    .as("the device at %s after the LUN was reused", hctl).isEqualTo(dev.substring(5));
            assertThat(KernelBed.ok("cat", "/sys/class/scsi_device/" + hctl + "/device/wwid").strip())
                    .as("sysfs wwid of %s", dev).isEqualTo(wwidA.kernel());
            assertThat(head(dev)).as("what %s reads now", dev).isEqualTo("VOLUME-B");
            System.out.printf("without brickd: %s at %s keeps sysfs wwid %s and reads VOLUME-B%n", dev, hctl,
                    wwidA.kernel());
            Files.writeString(Path.of("/sys/class/scsi_device/" + hctl + "/device/delete"), "1");
        } finally {
            KernelBed.run("iscsiadm", "-m", "node", "-T", t, "-p", p, "--logout");
            KernelBed.run("iscsiadm", "-m", "node", "-o", "delete", "-T", t, "-p", p);
        }
    }

    @Test
    @Order(4)
    void aReusedLunUnderAMultipathAttachmentIsFencedAndTheNewVolumeGetsItsOwnMap() throws Exception {
        String volA = UUID.randomUUID().toString();
        String volB = UUID.randomUUID().toString();
        TargetBed.map("cva", LUN);
        JsonNode a = brickd.call("connect_volume", multipathParams(volA));
        assertThat(a.get("path").asText()).isEqualTo("/dev/disk/by-id/dm-uuid-mpath-" + wwidA.udev());
        String mapA = KernelBed.ok("readlink", "-f", a.get("path").asText()).strip();
        assertThat(head(a.get("path").asText())).isEqualTo("VOLUME-A");

        TargetBed.unmap(LUN);
        TargetBed.map("cvb", LUN);
        assertThat(head(mapA)).as("A's map reads the new volume before brickd acts").isEqualTo("VOLUME-B");

        JsonNode b = brickd.call("connect_volume", multipathParams(volB));

        assertThat(b.get("scsi_wwn").asText()).isEqualTo(wwidB.udev());
        assertThat(b.get("path").asText()).isEqualTo("/dev/disk/by-id/dm-uuid-mpath-" + wwidB.udev());
        assertThat(head(b.get("path").asText())).isEqualTo("VOLUME-B");
        assertThat(Files.exists(Path.of(a.get("path").asText()))).as("A's map link after the fence").isFalse();
        assertThat(KernelBed.ok("dmsetup", "ls", "--target", "multipath")).as("maps")
                .doesNotContain(wwidA.udev()).contains(wwidB.udev());
        JsonNode da = brickd.call("disconnect_volume", "{\"connection_info\": " + ciMultipath(volA)
                + ", \"device_info\": " + a + ", \"force\": false, \"ignore_errors\": false}");
        assertThat(da.get("fenced").asBoolean()).as("detach of fenced A: %s", da).isTrue();
        assertThat(head(b.get("path").asText())).as("B after A's detach").isEqualTo("VOLUME-B");
        JsonNode db = brickd.call("disconnect_volume", "{\"connection_info\": " + ciMultipath(volB)
                + ", \"device_info\": " + b + ", \"force\": false, \"ignore_errors\": false}");
        assertThat(db.get("clean").asBoolean()).as("detach of B: %s", db).isTrue();
    }

    private static String ciMultipath(String vol) {
        return TargetBed.multipathConnectionInfo(vol, LUN);
    }

    private static String multipathParams(String vol) {
        return "{\"connection_info\": " + ciMultipath(vol) + ", \"instance_uuid\": \"" + UUID.randomUUID()
                + "\", \"use_multipath\": true}";
    }

    @Test
    @Order(5)
    void cleanupOfOneVolumeShowsItsDeviceAndSessionThenRemovesThemAndItsLedgerEntry() throws Exception {
        String vol = UUID.randomUUID().toString();
        String dev = attachThenUnmap(vol).device(); // the forced path must still get everything off the host

        CommandResult plan = brickctl("cleanup", "--volume", vol, "--dry-run");
        assertThat(plan.exitCode()).as(plan.summary() + "\n" + plan.stdout()).isZero();
        assertThat(plan.stdout()).contains("(" + dev.substring("/dev/".length()) + ")")
                .contains("- session " + TargetBed.PORTAL_1 + " " + TargetBed.TARGET_IQN + " (logged out)");
        assertThat(Files.exists(Path.of(dev))).as("a dry run removes nothing").isTrue();

        CommandResult done = brickctl("cleanup", "--volume", vol, "--yes");
        assertThat(done.exitCode()).as(done.summary() + "\n" + done.stdout()).isZero();
        assertThat(done.stdout()).contains("clean: nothing of the volume is left");
        assertThat(Files.exists(Path.of(dev))).isFalse();
        assertThat(brickd.call("list_attachments", "{}").get("attachments")).isEmpty();

        CommandResult unknown = brickctl("cleanup", "--volume", vol, "--yes");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("has no attachment in brickd's ledger");
    }

    /** A volume attached at LUN (backstore cva), whose LUN the array then unmapped: its answer and its /dev node. */
    private record Unmapped(JsonNode connected, String device) {}

    private static Unmapped attachThenUnmap(String vol) throws IOException {
        TargetBed.map("cva", LUN);
        JsonNode a = connect(vol);
        String dev = KernelBed.ok("readlink", "-f", a.get("path").asText()).strip();
        TargetBed.unmap(LUN);
        return new Unmapped(a, dev);
    }

    private static CommandResult brickctl(String... args) {
        Command.Builder b = Command.of(System.getenv("BRICKD_HOME") + "/bin/brickctl", Duration.ofSeconds(120))
                .arg("--socket").arg(brickd.socket.toString());
        for (String a : args) {
            b.arg(a);
        }
        return KernelBed.COMMANDS.run(b.build());
    }
}
