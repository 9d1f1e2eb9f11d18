package org.brickd.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.brickd.errors.BrickException;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {

    @TempDir
    Path state;

    static final VolumeId VOL = VolumeId.parse("0b5e1a50-7c1e-4a3e-9a55-2f6b0c1d9e01");
    static final Wwid WWID = Wwid.parse("36001405aaaaaaaa00004000800000000");

    static Attachment attachment(VolumeId vol, String instance) {
        return new Attachment(vol, instance, "iscsi", WWID, "/dev/disk/by-id/scsi-" + WWID.udev(), Optional.empty(),
                List.of("7:0:0:1=sdb"), "{\"driver_volume_type\":\"iscsi\"}", false, "attached", Optional.empty(),
                Instant.parse("2026-11-23T10:00:00Z"));
    }

    @Test
    void survivesAReopenAndIsRootOnly() throws Exception {
        try (Ledger l = Ledger.open(state)) {
            l.putAttachment(attachment(VOL, "i-1"));
        }
        try (Ledger l = Ledger.open(state)) {
            assertThat(l.attachments(VOL)).singleElement().satisfies(a -> {
                assertThat(a.wwid()).isEqualTo(WWID);
                assertThat(a.devices()).containsExactly("7:0:0:1=sdb");
                assertThat(a.instance()).isEqualTo("i-1");
            });
            assertThat(l.recordedWwid(VOL)).contains(WWID);
            assertThat(l.schemaVersion()).isEqualTo(2);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(Ledger.FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    void anUnfinishedIntentIsVisibleAfterARestart() {
        long done;
        try (Ledger l = Ledger.open(state)) {
            done = l.intend(VOL, "attach", "127.0.0.1:3260");
            l.finish(done, true, "/dev/disk/by-id/x");
            l.intend(VOL, "detach", "127.0.0.1:3260");
        }
        try (Ledger l = Ledger.open(state)) {
            assertThat(l.openIntents()).singleElement().satisfies(i -> {
                assertThat(i.op()).isEqualTo("detach");
                assertThat(i.volumeId()).isEqualTo(VOL);
            });
        }
    }

    @Test
    void aCorruptFileStopsTheStartWithAnActionableMessage() throws Exception {
        Files.write(state.resolve(Ledger.FILE), "this is not a sqlite database, it is garbage ".repeat(100).getBytes());

        assertThatThrownBy(() -> Ledger.open(state))
                .isInstanceOf(BrickException.class)
                .hasMessageContaining(state.resolve(Ledger.FILE).toString())
                .hasMessageContaining("will not start");
    }

    @Test
    void concurrentWritersLoseNothing() {
        try (Ledger l = Ledger.open(state)) {
            CompletableFuture<?>[] all = IntStream.range(0, 32).mapToObj(i -> CompletableFuture.runAsync(() -> {
                long id = l.intend(VOL, "attach", "n" + i);
                l.putAttachment(attachment(VOL, "i-" + i));
                l.finish(id, true, "ok");
            })).toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(all).join();

            assertThat(l.attachments(VOL)).hasSize(32);
            assertThat(l.openIntents()).isEmpty();
            l.removeAttachment(VOL, "i-3");
            assertThat(l.attachments(VOL)).hasSize(31);
            l.removeAttachments(VOL);
            assertThat(l.recordedWwid(VOL)).isEmpty();
        }
    }

    @Test
    void stepsAreRecordedInOrderPerIntentAndSurviveARestart() {
        long attach;
        try (Ledger l = Ledger.open(state)) {
            attach = l.intend(VOL, "attach", "{}");
            long other = l.intend(VolumeId.parse("0b5e1a50-7c1e-4a3e-9a55-2f6b0c1d9e02"), "attach", "{}");
            l.stepEnded(l.stepIntended(attach, "node", "127.0.0.1:3260 iqn.x:t"), true, null);
            l.stepIntended(other, "login", "127.0.0.2:3260 iqn.x:u");
            l.stepEnded(l.stepIntended(attach, "login", "127.0.0.1:3260 iqn.x:t"), false, "iscsiadm exit 24");
            l.stepIntended(attach, "scan", "7:0:0:1");
        }
        try (Ledger l = Ledger.open(state)) {
            List<Ledger.Step> steps = l.steps(attach);
            assertThat(steps).extracting(Ledger.Step::seq).containsExactly(1, 2, 3);
            assertThat(steps).extracting(Ledger.Step::toString).containsExactly(
                    "node 127.0.0.1:3260 iqn.x:t done", "login 127.0.0.1:3260 iqn.x:t failed", "scan 7:0:0:1 intended");
            assertThat(steps.get(1).error()).contains("iscsiadm exit 24");
            assertThat(steps.get(0).endedAt()).isPresent();
            assertThat(steps.get(2).endedAt()).isEmpty();
        }
    }

    /** A ledger written by the brickd before step records (schema 1) opens, keeps its rows and gains steps. */
    @Test
    void aSchemaOneLedgerIsMigratedKeepingItsRows() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + state.resolve(Ledger.FILE));
                Statement s = c.createStatement()) {
            // schema 1 as the previous brickd created it
            s.execute("CREATE TABLE attachments (volume_id TEXT NOT NULL, instance_uuid TEXT NOT NULL DEFAULT '',"
                    + " protocol TEXT NOT NULL, wwid TEXT NOT NULL, path TEXT NOT NULL, map TEXT, devices TEXT NOT NULL,"
                    + " connection TEXT NOT NULL, multiattach INTEGER NOT NULL DEFAULT 0,"
                    + " state TEXT NOT NULL DEFAULT 'attached', note TEXT, attached_at TEXT NOT NULL,"
                    + " PRIMARY KEY (volume_id, instance_uuid))");
            s.execute("CREATE TABLE intents (id INTEGER PRIMARY KEY AUTOINCREMENT, volume_id TEXT NOT NULL,"
                    + " op TEXT NOT NULL, detail TEXT NOT NULL, state TEXT NOT NULL, started_at TEXT NOT NULL,"
                    + " ended_at TEXT, outcome TEXT)");
            s.execute("CREATE INDEX intents_open ON intents(state)");
            s.execute("INSERT INTO attachments VALUES ('" + VOL + "', 'i-1', 'iscsi', '" + WWID.udev() + "',"
                    + " '/dev/disk/by-id/scsi-x', NULL, '7:0:0:1=sdb', '{}', 0, 'attached', NULL, '2026-11-23T10:00:00Z')");
            s.execute("INSERT INTO intents (volume_id, op, detail, state, started_at) VALUES ('" + VOL + "', 'detach',"
                    + " '{}', 'intended', '2026-11-23T10:01:00Z')");
            s.execute("PRAGMA user_version = 1");
        }

        try (Ledger l = Ledger.open(state)) {
            assertThat(l.schemaVersion()).isEqualTo(2);
            assertThat(l.attachments(VOL)).singleElement().satisfies(a -> assertThat(a.instance()).isEqualTo("i-1"));
            Ledger.Intent open = l.openIntents().get(0);
            assertThat(open.op()).isEqualTo("detach");
            assertThat(l.steps(open.id())).isEmpty();
            l.stepIntended(open.id(), "delete", "7:0:0:1 (sdb)");
            assertThat(l.steps(open.id())).extracting(Ledger.Step::toString).containsExactly("delete 7:0:0:1 (sdb) intended");
        }
    }
}
