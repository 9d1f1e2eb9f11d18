package org.brickd.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
            assertThat(l.schemaVersion()).isEqualTo(1);
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
}
