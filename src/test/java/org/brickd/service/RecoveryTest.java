package org.brickd.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.Identity;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.KeyedLocks;
import org.brickd.connector.StepKind;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.iscsi.IscsiConnectorTest;
import org.brickd.ledger.Ledger;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.rpc.Redaction;
import org.brickd.scsi.WwidProbe;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery decisions over a fake host, one per point a crash can leave: the host is put in
 * the state the crash left (through the real connector), the ledger holds the open intent,
 * and after recovery the host and the ledger are checked as an operator would.
 */
class RecoveryTest {

    static final String IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    static final String VOL = "aaaaaaaa-1111-4000-8000-000000000001";
    static final String WWID_A = "naa.6001405aaaaaaaa00004000800000000";
    static final String INSTANCE = "11111111-2222-4333-8444-555555555555";

    @TempDir
    Path root;
    @TempDir
    Path state;

    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));
    private FakeIscsi host;
    private Ledger ledger;
    private IscsiConnector connector;
    private VolumeService service;
    private JsonNode json;
    private IscsiConnection info;

    @BeforeEach
    void setUp() throws Exception {
        host = new FakeIscsi(root, FakeIscsi.target(IQN).portal("127.0.0.1:3260").lun(1, WWID_A));
        ledger = Ledger.open(state);
        connector = IscsiConnectorTest.connector(host, uevents);
        service = new VolumeService(ledger, connector, new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)),
                new KeyedLocks(Duration.ofSeconds(2)));
        json = new ObjectMapper().readTree("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "127.0.0.1:3260", "target_iqn": "%s", "target_lun": 1,
                          "auth_method": "CHAP", "auth_username": "u", "auth_password": "pw"}}
                """.formatted(VOL, IQN));
        info = (IscsiConnection) ConnectionInfoJson.parse(json);
    }

    @AfterEach
    void tearDown() {
        ledger.close();
        uevents.close();
    }

    private String recorded() {
        return Redaction.redact(json).toString();
    }

    private List<Recovery.Resolution> recover() {
        return new Recovery(ledger, service, ConnectionInfoJson::parseRecorded).run();
    }

    private void attachThroughTheService() {
        service.connect(new ConnectRequest(info, recorded(), Optional.of(InstanceId.parse(INSTANCE)), false, false));
    }

    @Test
    void anAttachThatCrashedBeforeItWasRecordedIsRolledBack() {
        ledger.intend(info.volumeId(), "attach", recorded());
        connector.connectSingle(info, Identity.none()); // the host got the session and the device, then the crash

        List<Recovery.Resolution> r = recover();

        assertThat(r).singleElement().satisfies(x -> {
            assertThat(x.ok()).isTrue();
            assertThat(x.outcome()).contains("rolled back the unfinished attach");
        });
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
        assertThat(ledger.openIntents()).isEmpty();
        assertThat(ledger.allAttachments()).isEmpty();
    }

    @Test
    void anAttachThatCrashedAfterLoginOnlyIsRolledBackToo() {
        ledger.intend(info.volumeId(), "attach", recorded());
        connector.connectSingle(info, Identity.none());
        String hctl = host.ls("sys/class/scsi_device").get(0);
        host.sysfs().write("class/scsi_device/" + hctl + "/device/delete", "1"); // the crash came before the scan

        assertThat(recover()).singleElement().satisfies(x -> assertThat(x.ok()).isTrue());
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
    }

    @Test
    void anAttachThatWasRecordedBeforeTheCrashIsKept() {
        attachThroughTheService();
        ledger.intend(info.volumeId(), "attach", recorded()); // the crash came between record and finish

        assertThat(recover()).singleElement().satisfies(x -> {
            assertThat(x.ok()).isTrue();
            assertThat(x.outcome()).contains("completed");
        });
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);
        assertThat(ledger.allAttachments()).hasSize(1);
    }

    @Test
    void aDetachThatCrashedBeforeTouchingTheHostIsCompleted() {
        attachThroughTheService();
        ledger.intend(info.volumeId(), "detach", ledger.allAttachments().get(0).connection());

        assertThat(recover()).singleElement().satisfies(x -> {
            assertThat(x.ok()).isTrue();
            assertThat(x.outcome()).contains("completed the unfinished detach");
        });
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
        assertThat(ledger.allAttachments()).isEmpty();
        assertThat(ledger.openIntents()).isEmpty();
    }

    @Test
    void aDetachThatCrashedAfterTheDeviceWentButBeforeLogoutIsCompleted() {
        attachThroughTheService();
        ledger.intend(info.volumeId(), "detach", ledger.allAttachments().get(0).connection());
        String hctl = host.ls("sys/class/scsi_device").get(0);
        host.sysfs().write("class/scsi_device/" + hctl + "/device/delete", "1");

        assertThat(recover()).singleElement().satisfies(x -> assertThat(x.ok()).isTrue());
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
        assertThat(ledger.allAttachments()).isEmpty();
    }

    @Test
    void anAttachmentWhoseDevicesAreGoneIsReportedAndKept() {
        attachThroughTheService();
        String hctl = host.ls("sys/class/scsi_device").get(0);
        host.sysfs().write("class/scsi_device/" + hctl + "/device/delete", "1");

        assertThat(recover()).singleElement().satisfies(x -> {
            assertThat(x.ok()).isFalse();
            assertThat(x.op()).isEqualTo("check");
            assertThat(x.outcome()).contains("none of its devices");
        });
        assertThat(ledger.allAttachments()).hasSize(1);
    }

    @Test
    void anIntentWhoseConnectionCannotBeReadIsReportedNotDropped() {
        ledger.intend(info.volumeId(), "attach", "127.0.0.1:3260 iqn... lun 1");

        assertThat(recover()).singleElement().satisfies(x -> {
            assertThat(x.ok()).isFalse();
            assertThat(x.outcome()).contains("cannot be read");
        });
        assertThat(ledger.openIntents()).isEmpty();
    }

    @Test
    void nothingOpenMeansNothingToDo() {
        attachThroughTheService();
        ConnectionInfo again = ConnectionInfoJson.parseRecorded(ledger.allAttachments().get(0).connection());
        assertThat(again.volumeId()).isEqualTo(info.volumeId());

        assertThat(recover()).isEmpty();
    }

    /** Stands for the SIGKILL: thrown when {@code at} is journaled as intended, it skips every undo. */
    private static final class Killed extends Error {
        Killed() {
            super("killed", null, false, false);
        }
    }

    private static JournaledSteps.Watch killAt(StepKind at) {
        return (op, kind) -> {
            if (kind == at) {
                throw new Killed();
            }
        };
    }

    @Test
    void anAttachKilledAtItsScanIsRolledBackAndTheOutcomeNamesTheStepsReached() {
        long intent = ledger.intend(info.volumeId(), "attach", recorded());
        try {
            connector.connectSingle(info, Identity.none(), new JournaledSteps(ledger, intent, "attach",
                    killAt(StepKind.SCAN)));
        } catch (Killed expected) {
            // the daemon died with the scan journaled as intended: session logged in, LUN not scanned
        }
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);

        assertThat(recover()).singleElement().satisfies(x -> {
            assertThat(x.ok()).isTrue();
            assertThat(x.outcome()).startsWith("killed after: login 127.0.0.1:3260 " + IQN + " done; scan 7:0:0:1 via"
                    + " 127.0.0.1:3260 " + IQN + " intended (3 steps journaled); rolled back the unfinished attach");
        });
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
        // the rollback's own removals are journaled after the cut-off steps
        assertThat(ledger.steps(intent)).extracting(Ledger.Step::kind).containsExactly("node", "login", "scan", "logout",
                "node-delete");
    }

    @Test
    void aDetachKilledAtItsDeviceDeleteIsCompletedAndTheOutcomeNamesTheStepsReached() {
        attachThroughTheService();
        long intent = ledger.intend(info.volumeId(), "detach", ledger.allAttachments().get(0).connection());
        try {
            connector.disconnect(info, false, Optional.empty(), new JournaledSteps(ledger, intent, "detach",
                    killAt(StepKind.DELETE)));
        } catch (Killed expected) {
            // the daemon died with the delete journaled as intended: flushed, device still there
        }

        assertThat(recover()).singleElement().satisfies(x -> {
            assertThat(x.ok()).isTrue();
            assertThat(x.outcome()).startsWith("killed after: flush sdb done; delete 7:0:0:1 (sdb) intended (2 steps"
                    + " journaled); completed the unfinished detach");
        });
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
        assertThat(ledger.allAttachments()).isEmpty();
    }

    @Test
    void anIntentKilledBeforeItsFirstStepSaysSo() {
        ledger.intend(info.volumeId(), "attach", recorded());

        assertThat(recover()).singleElement().satisfies(x -> assertThat(x.outcome())
                .startsWith("killed before its first host change; rolled back the unfinished attach (nothing was on"));
    }
}
