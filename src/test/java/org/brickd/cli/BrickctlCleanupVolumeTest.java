package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.brickd.testing.FakeIscsi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * brickctl cleanup --volume, offline over a fake iSCSI host: two volumes attached through
 * brickctl attach on one target session, then one of them cleaned up by its volume id, and
 * the host and the ledger checked as an operator would.
 */
class BrickctlCleanupVolumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    private static final String PORTAL = "127.0.0.1:3260";
    private static final String VOL_A = "aaaaaaaa-1111-4000-8000-000000000001";
    private static final String VOL_B = "bbbbbbbb-1111-4000-8000-000000000002";
    private static final String WWID_A = "naa.6001405aaaaaaaa00004000800000000";
    private static final String WWID_B = "naa.6001405bbbbbbbb00004000800000000";
    private static final String INSTANCE = "11111111-2222-4333-8444-555555555555";

    @TempDir
    Path dir;

    private FakeIscsi host;
    private OfflineBrickctl brickctl;

    @BeforeEach
    void setUp() {
        host = new FakeIscsi(dir.resolve("root"), FakeIscsi.target(IQN).portal(PORTAL).lun(1, WWID_A).lun(2, WWID_B));
        brickctl = new OfflineBrickctl(host, dir);
    }

    private void attach(String vol, int lun) throws Exception {
        Path ci = Files.writeString(dir.resolve(vol + ".json"), """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": %d}}
                """.formatted(vol, PORTAL, IQN, lun));
        OfflineBrickctl.Run r = brickctl.run("attach", "--connection-info", ci.toString(), "--instance", INSTANCE);
        assertThat(r.exit()).as("attach %s: %s %s", vol, r.out(), r.err()).isZero();
    }

    private List<String> attachedVolumes() throws Exception {
        OfflineBrickctl.Run r = brickctl.run("--json", "attachments");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> out = new ArrayList<>();
        JSON.readTree(r.out()).path("attachments").forEach(a -> out.add(a.path("volume_id").asText()));
        return out;
    }

    private List<String> planLines(String out) {
        return out.lines().filter(l -> l.startsWith("  - ")).map(l -> l.substring(4)).toList();
    }

    @Test
    void aDryRunPrintsTheVolumesMapDeviceAndLedgerEntryAndChangesNothing() throws Exception {
        attach(VOL_A, 1);
        attach(VOL_B, 2);
        // a dm map over A's disk, as multipathd would have made it
        host.host().dmMap("dm-0", "mpatha", "mpath-36001405aaaaaaaa00004000800000000", 131072, "sdb");

        OfflineBrickctl.Run r = brickctl.run("cleanup", "--volume", VOL_A, "--dry-run");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("plan (dry run, nothing done):\n  volume " + VOL_A
                + ": forced disconnect of its recorded attachment\n");
        // B's LUN keeps the session in use: no logout is planned
        assertThat(planLines(r.out())).containsExactly("map mpatha (dm-0)", "device 7:0:0:1 (sdb)",
                "ledger: forget the attachment (instances [" + INSTANCE + "]) once nothing of it is left");
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1", "7:0:0:2");
        assertThat(host.ls("sys/block")).contains("dm-0");
        assertThat(attachedVolumes()).containsExactlyInAnyOrder(VOL_A, VOL_B);
    }

    @Test
    void withYesOnlyThatVolumesDeviceGoesAndTheSharedSessionStays() throws Exception {
        attach(VOL_A, 1);
        attach(VOL_B, 2);

        OfflineBrickctl.Run r = brickctl.run("cleanup", "--volume", VOL_A, "--yes");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("done:\n  removed  device 7:0:0:1\n  clean: nothing of the volume is left");
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:2");
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(attachedVolumes()).containsExactly(VOL_B);
        assertThat(brickctl.asked).isEmpty();
    }

    @Test
    void onATerminalTheLastVolumeOfATargetIsShownWithItsSessionAndCleanedAfterYes() throws Exception {
        attach(VOL_A, 1);
        brickctl.terminalAnswer = "y";

        OfflineBrickctl.Run r = brickctl.run("cleanup", "--volume", VOL_A);

        assertThat(brickctl.asked).containsExactly("carry out this plan? [y/N] ");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(planLines(r.out())).contains("device 7:0:0:1 (sdb)", "session " + PORTAL + " " + IQN
                + " (logged out)");
        assertThat(r.out()).contains("  removed  session " + PORTAL + " " + IQN);
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
        assertThat(host.node(PORTAL, IQN)).as("node record").isEmpty();
        assertThat(attachedVolumes()).isEmpty();
    }

    @Test
    void aDeclinedPlanDoesNothingAndExitsOne() throws Exception {
        attach(VOL_A, 1);
        brickctl.terminalAnswer = "n";

        OfflineBrickctl.Run r = brickctl.run("cleanup", "--volume", VOL_A);

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("- device 7:0:0:1 (sdb)").contains("declined: nothing done");
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
        assertThat(attachedVolumes()).containsExactly(VOL_A);
    }

    @Test
    void aVolumeTheLedgerDoesNotKnowIsAClearErrorAndTouchesNothing() throws Exception {
        attach(VOL_A, 1);

        OfflineBrickctl.Run r = brickctl.run("cleanup", "--volume", VOL_B, "--yes");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("volume " + VOL_B + " has no attachment in brickd's ledger on this host");
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
    }

    @Test
    void volumeAndStaleAreMutuallyExclusive() throws Exception {
        attach(VOL_A, 1);

        OfflineBrickctl.Run both = brickctl.run("cleanup", "--volume", VOL_A, "--stale", "--yes");
        OfflineBrickctl.Run unowned = brickctl.run("cleanup", "--volume", VOL_A, "--include-unowned", "--yes");

        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        assertThat(unowned.exit()).isEqualTo(2);
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
    }

    @Test
    void theDiagnosticRootReadsACopiedTreeAndRefusesEveryChange() throws Exception {
        attach(VOL_A, 1);
        String root = host.host().root().toString();

        OfflineBrickctl.Run inventory = brickctl.run("--json", "--diagnostic-root", root, "inventory");
        OfflineBrickctl.Run cleanup = brickctl.run("--diagnostic-root", root, "cleanup", "--volume", VOL_A, "--yes");
        OfflineBrickctl.Run notATree = brickctl.run("--diagnostic-root", dir.resolve("nowhere").toString(), "inventory");

        assertThat(inventory.exit()).as(inventory.err()).isZero();
        JsonNode device = JSON.readTree(inventory.out()).path("scsi_devices").get(0);
        assertThat(device.path("hctl").asText() + " " + device.path("owner").asText()).isEqualTo("7:0:0:1 " + VOL_A);
        assertThat(cleanup.exit()).isEqualTo(1);
        assertThat(cleanup.err()).contains("cleanup_volume changes the host; the diagnostic mode runs read-only methods"
                + " only");
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
        assertThat(attachedVolumes()).containsExactly(VOL_A);
        assertThat(notATree.exit()).isEqualTo(1);
        assertThat(notATree.err()).contains("no sys/ directory under it");
    }

    @Test
    void theJsonAnswerCarriesThePlanAndWhatTheDisconnectRemoved() throws Exception {
        attach(VOL_A, 1);

        OfflineBrickctl.Run r = brickctl.run("--json", "cleanup", "--volume", VOL_A, "--yes");

        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode a = JSON.readTree(r.out());
        assertThat(a.path("volume_id").asText()).isEqualTo(VOL_A);
        assertThat(a.path("clean").asBoolean()).isTrue();
        assertThat(a.path("removed").toString()).contains("device 7:0:0:1", "session " + PORTAL);
        assertThat(a.path("leftovers")).isEmpty();
    }
}
