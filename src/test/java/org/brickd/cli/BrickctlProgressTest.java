package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.brickd.testing.FakeIscsi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress as the operator sees it on a terminal, offline over a fake iSCSI host whose every
 * clock reading is 700 ms after the last (so each call is "slow"): the steps brickctl runs, by
 * name and target, on one line that is gone before the answer prints; --json stdout unchanged.
 */
class BrickctlProgressTest {

    private static final String IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    private static final String PORTAL = "127.0.0.1:3260";
    private static final String VOL = "aaaaaaaa-1111-4000-8000-000000000001";
    private static final String WWID = "naa.6001405aaaaaaaa00004000800000000";
    private static final String WWID_2 = "naa.6001405bbbbbbbb00004000800000000";

    @TempDir
    Path dir;

    private FakeIscsi.Target target;
    private FakeIscsi host;
    private OfflineBrickctl brickctl;
    private final StringWriter terminal = new StringWriter();

    @BeforeEach
    void setUp() {
        target = FakeIscsi.target(IQN).portal(PORTAL).lun(1, WWID).lun(2, WWID_2);
        host = new FakeIscsi(dir.resolve("root"), target);
        brickctl = new OfflineBrickctl(host, dir);
        AtomicLong now = new AtomicLong();
        brickctl.progress = new Progress(new PrintWriter(terminal, true),
                () -> now.addAndGet(TimeUnit.MILLISECONDS.toNanos(700)));
    }

    /** Each line the terminal showed in turn (each redraw starts with ERASE); "" when it was wiped clean. */
    private List<String> frames() {
        List<String> parts = Arrays.asList(terminal.toString().split("\r\033\\[K", -1));
        assertThat(parts.get(0)).as("nothing but redraws").isEmpty();
        return parts.subList(1, parts.size());
    }

    private Path connectionInfo() throws Exception {
        return Files.writeString(dir.resolve("ci.json"), """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": 1}}
                """.formatted(VOL, PORTAL, IQN));
    }

    @Test
    void anAttachShowsEachStepOnOneLineThatIsGoneWhenItEnds() throws Exception {
        OfflineBrickctl.Run r = brickctl.run("attach", "--connection-info", connectionInfo().toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(frames()).as(terminal.toString()).contains(
                "brickctl: attaching, step 1: node " + PORTAL + " " + IQN + " ... 1 s",
                "brickctl: attaching, step 2: login " + PORTAL + " " + IQN + " ... 2 s").last().isEqualTo("");
        assertThat(frames()).filteredOn(f -> !f.isEmpty()).allMatch(f -> f.startsWith("brickctl: attaching"));
        assertThat(r.out()).doesNotContain("brickctl:").doesNotContain("\033");
    }

    @Test
    void aStaleCleanupShowsEachDeviceAsItIsRemoved() throws Exception {
        assertThat(brickctl.run("attach", "--connection-info", connectionInfo().toString()).exit()).isZero();
        // LUN 2 scanned by someone else, then unmapped on the array: a stale device nobody owns
        String scsiHost = host.ls("sys/class/scsi_host").get(0);
        host.sysfs().write("class/scsi_host/" + scsiHost + "/scan", "0 0 2");
        target.unmap(2);
        terminal.getBuffer().setLength(0);

        OfflineBrickctl.Run r = brickctl.run("cleanup", "--yes");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
        assertThat(frames()).anyMatch(f -> f.matches(
                "brickctl: cleaning up stale devices and maps, step 1: delete 7:0:0:2 \\(sd[a-z]+\\) \\.\\.\\. \\d+ s"));
        assertThat(frames()).last().isEqualTo("");
    }

    @Test
    void aJsonCleanupKeepsStdoutPureJsonWhileTheTerminalShowsTheRemovals() throws Exception {
        assertThat(brickctl.run("attach", "--connection-info", connectionInfo().toString()).exit()).isZero();
        terminal.getBuffer().setLength(0);

        OfflineBrickctl.Run r = brickctl.run("--json", "cleanup", "--volume", VOL, "--yes");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).path("clean").asBoolean()).isTrue();
        assertThat(frames()).anyMatch(f -> f.startsWith("brickctl: forced disconnect, step ") && f.contains("delete 7:0:0:1"))
                .last().isEqualTo("");
    }
}
