package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * I6 on the real kernel, at every journal step: for each operation (attach, detach), single
 * path and multipath, and each kind of host-changing step that operation journals (in its
 * order), the daemon is started with BRICKD_FAULT_STOP_AT=op:step, so it stops itself
 * (SIGSTOP) right after the first such step is committed as intended and before it runs; the
 * test sees state 'T' and SIGKILLs it: the kill lands exactly at that journal step. An
 * "answered" row kills it after the answer. The daemon is restarted on the same state
 * directory (its recovery runs before it accepts calls and never stops at a fault point).
 * Then nothing is leaked (no session, node record, device or map that no attachment owns),
 * nothing is lost (every answered attach is still recorded and reads its volume), and the
 * recovery names the step the kill cut off. Prints the table step x outcome.
 *
 * <p>Each row costs a daemon start (a JVM, 15-25 s under TCG): the daemon restarted for a
 * row's recovery is started with the next row's fault point and serves that row, unless the
 * check needs it to detach (an answered attach) and the next fault point is a detach step.
 */
@Tag("kernel")
class RecoveryKernelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LUN = 9;
    private static final String FAULT = "BRICKD_FAULT_STOP_AT";
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
        // name and uuid (mpath-<wwid>); a dmsetup that fails must fail the test, not read as "no map"
        return KernelBed.ok("dmsetup", "info", "-c", "--noheadings", "-o", "name,uuid").contains(wwid.udev());
    }

    private static boolean link(boolean multipath) {
        return Files.exists(Path.of(multipath ? "/dev/disk/by-id/dm-uuid-mpath-" + wwid.udev()
                : "/dev/disk/by-id/scsi-" + wwid.udev()));
    }

    /**
     * One row: the operation, its paths, and the journal step kind to stop at ({@code null}:
     * run to the answer, then kill).
     */
    private record Case(String op, boolean multipath, String step) {
        /** The fault point's value; attach-multipath names the multipath intent, detach is the same op for both. */
        String fault() {
            return step == null ? null : (op.equals("attach") && multipath ? "attach-multipath" : op) + ":" + step;
        }

        String name() {
            return step == null ? "answered" : step;
        }
    }

    private record Row(String op, boolean multipath, String step, String killedAt, String recovery, String leaked,
            String lost) {}

    /** The step kinds each operation journals on this bed, in the order it journals them. */
    private static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (boolean multipath : new boolean[] {false, true}) {
            List<String> attach = new ArrayList<>(List.of("node", "login", "scan"));
            List<String> detach = new ArrayList<>(List.of("flush", "delete", "logout", "node-delete"));
            if (multipath) {
                attach.add("map");
                detach.add(1, "unmap");
            }
            attach.forEach(k -> out.add(new Case("attach", multipath, k)));
            out.add(new Case("attach", multipath, null));
            detach.forEach(k -> out.add(new Case("detach", multipath, k)));
            out.add(new Case("detach", multipath, null));
        }
        return out;
    }

    /** The daemon restarted by the last row, started with the fault point {@link #liveFault} (or none). */
    private BrickdProcess live;
    private String liveFault;

    @Test
    void aKillAtEveryJournalStepOfAttachAndDetachLeaksNothingAndLosesNothing() throws Exception {
        List<Case> cases = cases();
        List<Row> rows = new ArrayList<>();
        Throwable failed = null;
        try {
            for (int i = 0; i < cases.size() && failed == null; i++) {
                Case c = cases.get(i);
                try {
                    rows.add(crash(c, i + 1 < cases.size() ? cases.get(i + 1).fault() : null));
                } catch (Exception | AssertionError e) {
                    // the table is still printed; the host may be dirty now, so the later rows are not run
                    failed = e;
                    rows.add(new Row(c.op(), c.multipath(), c.name(), "-", "ERROR " + e.getMessage().lines().findFirst()
                            .orElse(""), "?", "?"));
                }
            }
        } finally {
            if (live != null) {
                live.close();
            }
        }
        System.out.println("I6 fault injection: SIGKILL at each journal step (BRICKD_FAULT_STOP_AT), restart, recovery");
        System.out.printf("%-7s %-10s %-12s %-24s %-90s %-7s %s%n", "op", "paths", "stop at", "killed", "recovery",
                "leaked", "lost");
        for (Row r : rows) {
            System.out.printf("%-7s %-10s %-12s %-24s %-90s %-7s %s%n", r.op(), r.multipath() ? "multipath" : "single",
                    r.step(), r.killedAt(), r.recovery().length() > 90 ? r.recovery().substring(0, 87) + "..."
                            : r.recovery(), r.leaked(), r.lost());
        }
        if (failed != null) {
            throw new AssertionError("row " + rows.get(rows.size() - 1) + " failed", failed);
        }
        assertThat(rows).hasSize(cases.size());
        assertThat(rows).as("rows that leaked or lost something").allSatisfy(r -> {
            assertThat(r.leaked()).as("%s", r).isEqualTo("no");
            assertThat(r.lost()).as("%s", r).isEqualTo("no");
        });
    }

    /** A daemon for a row with this fault point: the live one if it was started with it, else a new one. */
    private BrickdProcess daemon(String fault) throws Exception {
        if (live != null && java.util.Objects.equals(liveFault, fault)) {
            BrickdProcess d = live;
            live = null;
            return d;
        }
        if (live != null) {
            live.close();
            live = null;
        }
        return start(fault);
    }

    private static BrickdProcess start(String fault) throws Exception {
        return new BrickdProcess(dir, "stale_scan_interval = off").start(fault == null ? Map.of() : Map.of(FAULT, fault));
    }

    private Row crash(Case c, String nextFault) throws Exception {
        String vol = UUID.randomUUID().toString();
        String ci = ci(vol, c.multipath());
        String connect = "{\"connection_info\": " + ci + ", \"use_multipath\": " + c.multipath() + "}";
        BrickdProcess d = daemon(c.fault());
        try {
            return crash(c, nextFault, d, vol, ci, connect);
        } finally {
            d.kill(); // killed already unless the row failed before the kill
        }
    }

    private Row crash(Case c, String nextFault, BrickdProcess d, String vol, String ci, String connect) throws Exception {
        JsonNode device = null;
        if (c.op().equals("detach")) {
            device = d.call("connect_volume", connect); // a detach fault point never stops an attach
        }
        CompletableFuture<JsonNode> call = c.op().equals("attach")
                ? d.client().callAsync("connect_volume", JSON.readTree(connect))
                : d.client().callAsync("disconnect_volume", JSON.readTree("{\"connection_info\": " + ci
                        + ", \"device_info\": " + device + ", \"force\": false}"));
        long t0 = System.nanoTime();
        String killedAt;
        while (true) {
            assertThat(d.alive()).as("brickd died by itself: %s", d.logTail()).isTrue();
            if (c.step() != null && d.stopped()) {
                d.kill();
                killedAt = "stopped at '" + c.step() + "' +" + (System.nanoTime() - t0) / 1_000_000 + " ms";
                break;
            }
            if (call.isDone()) {
                call.get(); // an error answer fails the test here, with brickd's message
                // a fault row whose step never came: the operation does not journal it here (a finding)
                assertThat(c.step()).as("%s finished without reaching its fault point; log: %s", c, d.logTail()).isNull();
                if (c.op().equals("attach")) {
                    assertThat(link(c.multipath())).as("the answered attach's by-id link").isTrue();
                    assertThat(map()).as("a map exactly for a multipath attach").isEqualTo(c.multipath());
                }
                d.kill();
                killedAt = "after answer +" + (System.nanoTime() - t0) / 1_000_000 + " ms";
                break;
            }
            assertThat(System.nanoTime() - t0).as("operation still running after 120 s").isLessThan(120_000_000_000L);
            LockSupport.parkNanos(5_000_000); // the poll interval of this bounded poll
        }
        boolean answered = call.isDone() && !call.isCompletedExceptionally();

        // an answered attach leaves an attachment the check detaches: that detach must not meet a detach fault point
        String restartFault = c.op().equals("attach") && c.step() == null && nextFault != null
                && nextFault.startsWith("detach") ? null : nextFault;
        BrickdProcess again = start(restartFault);
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
            if (c.op().equals("attach") && answered && !recorded) {
                lost = "answered attach not in the ledger";
            }
            if (c.op().equals("detach") && !answered && !recorded && (device() || session())) {
                leaked = "detach dropped from the ledger with devices left";
            }
            if (c.step() != null) {
                // the journal and the recovery agree on where the kill landed
                assertThat(String.join("; ", rec)).as("recovery of %s", c).contains("killed after:")
                        .containsPattern("\\b" + c.step() + " [^;]* intended");
            }
            if (recorded) {
                String path = KernelBed.ok("readlink", "-f", atts.get(0).get("path").asText()).strip();
                String head = KernelBed.ok("dd", "if=" + path, "bs=4096", "count=1", "iflag=direct", "status=none");
                if (!head.startsWith("RECOVERY")) {
                    lost = "recorded attachment does not read its volume";
                }
                if (restartFault != null && restartFault.startsWith("detach")) {
                    // not expected (only an answered attach stays recorded); detach on a daemon without a fault point
                    again.close();
                    again = start(null);
                    restartFault = null;
                }
                JsonNode done = again.call("disconnect_volume", "{\"connection_info\": " + ci + ", \"device_info\": null}");
                assertThat(done.get("clean").asBoolean()).as("cleanup detach %s", done).isTrue();
            }
            String left = TargetBed.leftovers();
            if (!left.isEmpty()) {
                leaked = left.replace('\n', ' ');
            }
            clean = left.isEmpty();
            return new Row(c.op(), c.multipath(), c.name(), killedAt, rec.isEmpty() ? "(nothing to recover)"
                    : String.join("; ", rec), leaked, lost);
        } finally {
            if (clean) {
                live = again;
                liveFault = restartFault;
            } else {
                again.close();
            }
        }
    }
}
