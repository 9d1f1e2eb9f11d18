package org.brickd.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.brickd.service.VolumeServiceTest.I1;
import static org.brickd.service.VolumeServiceTest.IQN;
import static org.brickd.service.VolumeServiceTest.VOL;
import static org.brickd.service.VolumeServiceTest.WWID_A;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.KeyedLocks;
import org.brickd.errors.BrickException;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiAdm;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.iscsi.IscsiSessions;
import org.brickd.ledger.Ledger;
import org.brickd.multipath.FakeDevMapper;
import org.brickd.multipath.FakeMultipathd;
import org.brickd.multipath.Multipath;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step journal an attach and a detach write, through the volume service over a fake
 * iSCSI host with multipathd and a real ledger: which host changes were recorded, in which
 * order, with what outcome, and never a secret.
 */
class StepJournalTest {

    static final String P1 = "127.0.0.1:3260";
    static final String P2 = "127.0.0.2:3260";
    static final String SECRET = "s3cret-Pa55word";

    @TempDir
    Path root;
    @TempDir
    Path state;

    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));
    private FakeIscsi host;
    private FakeMultipathd mpathd;
    private Ledger ledger;
    private VolumeService service;

    @BeforeEach
    void setUp() {
        host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).portal(P2).lun(1, WWID_A).chap("u", SECRET));
        FakeDevMapper dm = new FakeDevMapper(host.host());
        mpathd = new FakeMultipathd(host.host(), dm);
        Multipath mp = new Multipath(mpathd, mpathd, dm, host.sysfs(), host.devfs(), uevents,
                new Multipath.Settings(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMillis(200)));
        IscsiConnector iscsi = new IscsiConnector(new IscsiAdm(host, Duration.ofSeconds(5), host.nodeRecords()),
                new IscsiSessions(host.sysfs()), new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), host.devfs(), uevents,
                new KeyedLocks(Duration.ofSeconds(2)), new IscsiConnector.Settings(Duration.ofSeconds(2),
                        Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(1)), mp, mp.maps());
        ledger = Ledger.open(state);
        service = new VolumeService(ledger, iscsi, new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)),
                new KeyedLocks(Duration.ofSeconds(2)));
    }

    @AfterEach
    void tearDown() {
        ledger.close();
        uevents.close();
    }

    private static ConnectionInfo volume(int lun, String... portals) throws Exception {
        String data = portals.length == 1
                ? "\"target_portal\": \"%s\", \"target_iqn\": \"%s\", \"target_lun\": %d".formatted(portals[0], IQN, lun)
                : ("\"target_portals\": [\"%s\", \"%s\"], \"target_iqns\": [\"%s\", \"%s\"],"
                        + " \"target_luns\": [%d, %d]").formatted(portals[0], portals[1], IQN, IQN, lun, lun);
        return ConnectionInfoJson.parse(new ObjectMapper().readTree("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {%s, "auth_method": "CHAP", "auth_username": "u", "auth_password": "%s"}}
                """.formatted(VOL, data, SECRET)));
    }

    private void attach(ConnectionInfo c, boolean multipath) {
        service.connect(new ConnectRequest(c, "{}", Optional.of(InstanceId.parse(I1)),
                multipath, multipath));
    }

    /** The steps of the n-th intent of this (fresh) ledger, as "kind detail state". */
    private List<String> steps(long intent) {
        List<Ledger.Step> steps = ledger.steps(intent);
        assertThat(steps).extracting(Ledger.Step::detail).noneMatch(d -> d.contains(SECRET));
        return steps.stream().map(Ledger.Step::toString).toList();
    }

    private List<String> kinds(long intent) {
        return ledger.steps(intent).stream().map(Ledger.Step::kind).toList();
    }

    @Test
    void aSinglePathAttachAndDetachJournalEveryHostChangeInOrder() throws Exception {
        ConnectionInfo c = volume(1, P1);
        attach(c, false);
        service.disconnect(c, Optional.empty(), false, false);

        assertThat(steps(1)).containsExactly(
                "node " + P1 + " " + IQN + " done",
                "login " + P1 + " " + IQN + " done",
                "scan 7:0:0:1 via " + P1 + " " + IQN + " done");
        assertThat(steps(2)).containsExactly(
                "flush sdb done",
                "delete 7:0:0:1 (sdb) done",
                "logout " + P1 + " " + IQN + " done",
                "node-delete " + P1 + " " + IQN + " done");
        assertThat(ledger.openIntents()).isEmpty();
    }

    @Test
    void aStepThatFailsIsRecordedFailedAndTheUndoIsJournaledToo() throws Exception {
        ConnectionInfo unpresented = volume(9, P1);

        assertThatThrownBy(() -> attach(unpresented, false)).isInstanceOf(BrickException.class)
                .hasMessageContaining("not presented");

        assertThat(steps(1)).containsExactly(
                "node " + P1 + " " + IQN + " done",
                "login " + P1 + " " + IQN + " done",
                "scan 7:0:0:9 via " + P1 + " " + IQN + " failed",
                "delete 7:0:0:9 done",
                "logout " + P1 + " " + IQN + " done",
                "node-delete " + P1 + " " + IQN + " done");
        assertThat(ledger.steps(1).get(2).error()).hasValueSatisfying(e -> assertThat(e).contains("not presented"));
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
    }

    @Test
    void aMultipathAttachJournalsEachPathThenTheMapAndTheDetachTakesItAllDown() throws Exception {
        ConnectionInfo c = volume(1, P1, P2);
        attach(c, true);
        service.disconnect(c, Optional.empty(), false, false);

        List<Ledger.Step> attach = ledger.steps(1);
        assertThat(attach).allSatisfy(s -> assertThat(s.state()).isEqualTo("done"));
        assertThat(kinds(1)).hasSize(7).endsWith("map")
                .containsOnly("node", "login", "scan", "map").filteredOn("scan"::equals).hasSize(2);
        for (String portal : List.of(P1, P2)) {
            // each path: node record, then login, then scan (the paths run in parallel, interleaved)
            assertThat(attach.stream().filter(s -> s.detail().contains(portal)).map(Ledger.Step::kind).toList())
                    .containsExactly("node", "login", "scan");
        }
        assertThat(kinds(2)).containsExactly("flush", "unmap", "delete", "delete", "logout", "node-delete", "logout",
                "node-delete");
        assertThat(steps(2)).allSatisfy(s -> assertThat(s).endsWith(" done"));
        assertThat(mpathd.wwids()).isEmpty();
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
    }
}
