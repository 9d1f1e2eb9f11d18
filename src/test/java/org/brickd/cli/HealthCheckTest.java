package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.brickd.cli.HealthCheck.Result;
import org.brickd.cli.HealthCheck.Status;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VOL = "5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de";

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static JsonNode inventory(String devices, String attachmentDevices, String state) {
        return json("{'scsi_devices': [" + devices + "], 'attachments': [{'volume_id': '" + VOL + "', 'state': '" + state
                + "', 'devices': [" + attachmentDevices + "]}], 'recovery': []}");
    }

    @Test
    void eachFindingClassLandsInItsOwnCheck() {
        JsonNode found = json("{'findings': ["
                + "{'class': 'stale', 'device': '/dev/sdc', 'hctl': '7:0:0:3', 'map': null, 'reason': 'LUN NOT SUPPORTED'},"
                + "{'class': 'orphan', 'device': null, 'hctl': null, 'map': '3600140500000000000000000000000aa', 'reason': 'no path'},"
                + "{'class': 'drift', 'device': '/dev/sdd', 'hctl': '7:0:0:4', 'volume_id': '" + VOL + "',"
                + " 'wwid_recorded': '36001405aaaa', 'wwid_now': '36001405bbbb', 'reason': 'reused'},"
                + "{'class': 'unowned', 'device': '/dev/sde', 'hctl': '8:0:0:1', 'reason': 'no attachment'}]}");

        Result stale = HealthCheck.stale(found);
        Result drift = HealthCheck.drift(found);
        Result unowned = HealthCheck.unowned(found);

        assertThat(stale.status()).isEqualTo(Status.PROBLEMS);
        assertThat(stale.problems()).extracting(HealthCheck.Problem::subject)
                .containsExactly("/dev/sdc (7:0:0:3)", "map 3600140500000000000000000000000aa");
        assertThat(drift.problems()).singleElement().satisfies(p -> {
            assertThat(p.subject()).isEqualTo("/dev/sdd (7:0:0:4)");
            assertThat(p.what()).contains(VOL, "36001405aaaa", "36001405bbbb");
            assertThat(p.todo()).contains("fence");
        });
        assertThat(drift.invariant()).isEqualTo("I1");
        assertThat(unowned.problems()).singleElement().satisfies(p -> assertThat(p.todo()).contains("--include-unowned"));
        assertThat(HealthCheck.exitCode(List.of(stale, drift, unowned))).isEqualTo(1);
    }

    @Test
    void noFindingIsAllOk() {
        JsonNode none = json("{'findings': []}");
        List<Result> r = List.of(HealthCheck.stale(none), HealthCheck.drift(none), HealthCheck.unowned(none));
        assertThat(r).allSatisfy(x -> assertThat(x.status()).isEqualTo(Status.OK));
        assertThat(HealthCheck.exitCode(r)).isZero();
    }

    @Test
    void anAttachedVolumeWhoseDeviceIsGoneOrRenamedIsALedgerProblem() {
        JsonNode gone = inventory("{'hctl': '7:0:0:1', 'device': 'sdb'}", "'7:0:0:1=sdb', '8:0:0:1=sdc'", "attached");
        JsonNode renamed = inventory("{'hctl': '7:0:0:1', 'device': 'sdf'}", "'7:0:0:1=sdb'", "attached");
        JsonNode fine = inventory("{'hctl': '7:0:0:1', 'device': 'sdb'}", "'7:0:0:1=sdb'", "attached");
        JsonNode fenced = inventory("", "'7:0:0:1=sdb'", "fenced");

        assertThat(HealthCheck.ledger(gone).problems()).singleElement()
                .satisfies(p -> assertThat(p.what()).isEqualTo("its device 8:0:0:1=sdc is gone from the host"));
        assertThat(HealthCheck.ledger(renamed).problems()).singleElement()
                .satisfies(p -> assertThat(p.what()).contains("was sdb and is now sdf"));
        assertThat(HealthCheck.ledger(fine).status()).isEqualTo(Status.OK);
        assertThat(HealthCheck.ledger(fenced).status()).as("a fenced attachment has no devices by design")
                .isEqualTo(Status.OK);
    }

    @Test
    void anUnresolvedRecoveryIsAProblemAResolvedOneIsNot() {
        JsonNode inv = json("{'recovery': [{'volume_id': '" + VOL + "', 'op': 'connect', 'ok': false, 'outcome': 'map busy'},"
                + "{'volume_id': '" + VOL + "', 'op': 'disconnect', 'ok': true, 'outcome': 'finished'}]}");
        assertThat(HealthCheck.recovery(inv).problems()).singleElement()
                .satisfies(p -> assertThat(p.what()).contains("connect", "map busy"));
    }

    @Test
    void problemsOutrankUncheckedInTheExitCode() {
        Result ok = Result.of("stale", "", "I3", List.of());
        Result problem = HealthCheck.domain("vm1", json("{'findings': [{'target_dev': 'vdb', 'kind': 'source',"
                + " 'expected': '/dev/disk/by-id/a', 'actual': '/dev/sdb'}]}"));
        Result unchecked = Result.unchecked("ledger", "", "I6", "inventory failed");

        assertThat(HealthCheck.exitCode(List.of(ok))).isZero();
        assertThat(HealthCheck.exitCode(List.of(ok, unchecked))).isEqualTo(2);
        assertThat(HealthCheck.exitCode(List.of(ok, unchecked, problem))).isEqualTo(1);
        assertThat(problem.problems()).singleElement().satisfies(p -> assertThat(p.todo())
                .isEqualTo("brickctl domain repair vm1 --bdms FILE"));
    }

    @Test
    void metricsHaveOneSeriesPerCheckAndEscapeLabelValues() {
        List<Result> r = List.of(Result.of("stale", "", "I3", List.of(new HealthCheck.Problem("sdc", "stale", "cleanup"))),
                Result.unchecked("domain", "odd\"name\\x", "I4", "no libvirtd"));

        String text = HealthCheck.prometheus(r, Instant.ofEpochSecond(1_790_000_000L));

        assertThat(text).contains("brickd_check_ok{check=\"stale\",invariant=\"I3\"} 0\n")
                .contains("brickd_check_problems{check=\"stale\",invariant=\"I3\"} 1\n")
                .contains("brickd_check_unchecked{check=\"domain\",invariant=\"I4\",domain=\"odd\\\"name\\\\x\"} 1\n")
                .contains("brickd_check_timestamp_seconds 1790000000\n")
                .contains("# TYPE brickd_check_ok gauge\n");
        assertThat(text.lines().filter(l -> !l.startsWith("#")))
                .allSatisfy(l -> assertThat(l).matches("brickd_[a-z_]+(\\{.*\\})? \\d+"));
    }
}
