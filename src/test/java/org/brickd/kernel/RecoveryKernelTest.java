package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * I6 on the real kernel: the daemon is SIGKILLed while an attach or a detach is under way,
 * at each point the host shows (request sent, session logged in, device scanned, map built,
 * udev link made, answer sent; for a detach: map gone, device gone, session gone), single
 * path and multipath. It is restarted on the same state directory; its recovery runs before
 * it accepts calls. Then nothing is leaked (no session, device or map that no attachment
 * owns) and nothing is lost (every attach that was answered is still recorded and reads its
 * volume). Prints the table step x outcome.
 */
@Tag("kernel")
class RecoveryKernelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LUN = 9;
    private static Path dir;
    private static Wwid wwid;

    @BeforeAll
    static void bed() throws Exception {
        KernelBed.requireBed();
        wwid = TargetBed.createLun("rca", 32);
        try (var f = java.nio.channels.FileChannel.open(Path.of("/tmp/bed/rca.img"),
                java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.wrap("RECOVERY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
        }
        TargetBed.map("rca", LUN);
        dir = Files.createTempDirectory("brickd-recovery");
    }

    @AfterAll
    static void unmap() {
        TargetBed.unmap(LUN);
    }

    private static String ci(String vol, boolean multipath) {
        String data = multipath
                ? """
                  "target_portals": ["%s", "%s"], "target_iqns": ["%s", "%s"], "target_luns": [%d, %d],
                  "target_portal": "%s", "target_iqn": "%s", "target_lun": %d
                  """.formatted(TargetBed.PORTAL_1, TargetBed.PORTAL_2, TargetBed.TARGET_IQN, TargetBed.TARGET_IQN, LUN,
                        LUN, TargetBed.PORTAL_1, TargetBed.TARGET_IQN, LUN)
                : """
                  "target_portal": "%s", "target_iqn": "%s", "target_lun": %d
                  """.formatted(TargetBed.PORTAL_1, TargetBed.TARGET_IQN, LUN);
        return "{\"driver_volume_type\": \"iscsi\", \"serial\": \"" + vol + "\", \"data\": {" + data
                + ", \"volume_id\": \"" + vol + "\", \"access_mode\": \"rw\"}}";
    }

    // ---- what the host shows

    private static boolean session() {
        return !KernelBed.SYSFS.list("class/iscsi_session").isEmpty();
    }

    private static boolean device() {
        return KernelBed.SYSFS.list("class/scsi_device").stream().anyMatch(h -> h.endsWith(":" + LUN));
    }

    private static boolean map() {
        return KernelBed.run("dmsetup", "info", "-c", "--noheadings", "-o", "name", "-u").stdout().contains(wwid.udev());
    }

    private static boolean link(boolean multipath) {
        return Files.exists(Path.of(multipath ? "/dev/disk/by-id/dm-uuid-mpath-" + wwid.udev()
                : "/dev/disk/by-id/scsi-" + wwid.udev()));
    }

    private record Step(String name, BooleanSupplier reached) {}

    private record Row(String op, boolean multipath, String step, String killedAt, String recovery, String leaked,
            String lost) {}

    private static List<Step> attachSteps(boolean multipath) {
        List<Step> s = new ArrayList<>(List.of(new Step("sent", () -> true), new Step("login", RecoveryKernelTest::session),
                new Step("scan", RecoveryKernelTest::device)));
        if (multipath) {
            s.add(new Step("map", RecoveryKernelTest::map));
        }
        s.add(new Step("link", () -> link(multipath)));
        s.add(new Step("answered", () -> false));
        return s;
    }

    private static List<Step> detachSteps(boolean multipath) {
        List<Step> s = new ArrayList<>(List.of(new Step("sent", () -> true)));
        if (multipath) {
            s.add(new Step("map removed", () -> !map()));
        }
        s.add(new Step("device removed", () -> !device()));
        s.add(new Step("logout", () -> !session()));
        s.add(new Step("answered", () -> false));
        return s;
    }

    /**
     * The daemon restarted by the last row, which recovered and then left the host clean: the
     * next row's operation runs on it (a JVM start costs 15-25 s under TCG).
     */
    private BrickdProcess live;

    @Test
    void aKillAtEveryStepOfAttachAndDetachLeaksNothingAndLosesNothing() throws Exception {
        List<Row> rows = new ArrayList<>();
        try {
            for (boolean multipath : new boolean[] {false, true}) {
                for (Step step : attachSteps(multipath)) {
                    rows.add(crash("attach", multipath, step));
                }
                for (Step step : detachSteps(multipath)) {
                    rows.add(crash("detach", multipath, step));
                }
            }
        } finally {
            if (live != null) {
                live.close();
            }
        }
        System.out.println("I6 fault injection: SIGKILL during the operation, restart, recovery");
        System.out.printf("%-7s %-10s %-15s %-26s %-60s %-7s %s%n", "op", "paths", "kill at", "killed", "recovery",
                "leaked", "lost");
        for (Row r : rows) {
            System.out.printf("%-7s %-10s %-15s %-26s %-60s %-7s %s%n", r.op(), r.multipath() ? "multipath" : "single",
                    r.step(), r.killedAt(), r.recovery().length() > 60 ? r.recovery().substring(0, 57) + "..."
                            : r.recovery(), r.leaked(), r.lost());
        }
        assertThat(rows).as("rows that leaked or lost something").allSatisfy(r -> {
            assertThat(r.leaked()).as("%s", r).isEqualTo("no");
            assertThat(r.lost()).as("%s", r).isEqualTo("no");
        });
    }

    private Row crash(String op, boolean multipath, Step step) throws Exception {
        String vol = UUID.randomUUID().toString();
        String ci = ci(vol, multipath);
        String connect = "{\"connection_info\": " + ci + ", \"use_multipath\": " + multipath + "}";
        BrickdProcess d = live != null ? live : new BrickdProcess(dir, "stale_scan_interval = off").start();
        live = null;
        JsonNode device = null;
        if (op.equals("detach")) {
            device = d.call("connect_volume", connect);
        }
        CompletableFuture<JsonNode> call = op.equals("attach")
                ? d.client().callAsync("connect_volume", JSON.readTree(connect))
                : d.client().callAsync("disconnect_volume", JSON.readTree("{\"connection_info\": " + ci
                        + ", \"device_info\": " + device + ", \"force\": false}"));
        long t0 = System.nanoTime();
        String killedAt;
        while (true) {
            if (step.reached().getAsBoolean()) {
                d.kill();
                killedAt = "at '" + step.name() + "' +" + (System.nanoTime() - t0) / 1_000_000 + " ms";
                break;
            }
            if (call.isDone()) {
                call.get(); // an error answer fails the test here, with brickd's message
                if (op.equals("attach")) {
                    device = call.get();
                }
                d.kill();
                killedAt = (step.name().equals("answered") ? "" : "(finished first) ") + "after answer +"
                        + (System.nanoTime() - t0) / 1_000_000 + " ms";
                break;
            }
            assertThat(System.nanoTime() - t0).as("operation still running after 120 s").isLessThan(120_000_000_000L);
            LockSupport.parkNanos(5_000_000); // the poll interval of this bounded poll
        }
        boolean answered = call.isDone() && !call.isCompletedExceptionally();

        BrickdProcess again = new BrickdProcess(dir, "stale_scan_interval = off").start();
        boolean clean = false;
        try {
            JsonNode inv = again.call("inventory", "{}");
            List<String> rec = new ArrayList<>();
            inv.get("recovery").forEach(r -> rec.add((r.get("ok").asBoolean() ? "" : "FAILED ") + r.get("op").asText()
                    + ": " + r.get("outcome").asText()));
            JsonNode atts = again.call("list_attachments", "{}").get("attachments");
            boolean recorded = false;
            for (JsonNode a : atts) {
                recorded |= a.get("volume_id").asText().equals(vol);
            }
            String lost = "no";
            String leaked = "no";
            if (op.equals("attach") && answered && !recorded) {
                lost = "answered attach not in the ledger";
            }
            if (op.equals("detach") && !answered && !recorded && (device() || session())) {
                leaked = "detach dropped from the ledger with devices left";
            }
            if (recorded) {
                String path = KernelBed.ok("readlink", "-f", atts.get(0).get("path").asText()).strip();
                String head = KernelBed.ok("dd", "if=" + path, "bs=4096", "count=1", "iflag=direct", "status=none");
                if (!head.startsWith("RECOVERY")) {
                    lost = "recorded attachment does not read its volume";
                }
                JsonNode done = again.call("disconnect_volume", "{\"connection_info\": " + ci + ", \"device_info\": null}");
                assertThat(done.get("clean").asBoolean()).as("cleanup detach %s", done).isTrue();
            }
            String left = TargetBed.leftovers();
            if (!left.isEmpty()) {
                leaked = left.replace('\n', ' ');
            }
            clean = left.isEmpty();
            return new Row(op, multipath, step.name(), killedAt, rec.isEmpty() ? "(nothing to recover)"
                    : String.join("; ", rec), leaked, lost);
        } finally {
            if (clean) {
                live = again;
            } else {
                again.close();
            }
        }
    }
}
