package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.brickd.errors.BrickException;
import org.brickd.rpc.Access;
import org.brickd.rpc.Authorizer;
import org.brickd.rpc.MethodTable;
import org.brickd.rpc.RpcServer;
import org.brickd.rpc.RpcServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** brickctl check against a daemon socket answering canned find_stale / inventory / check_domain. */
class BrickctlCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VOL = "5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de";
    private static final String HEALTHY_INVENTORY = "{'scsi_devices': [{'hctl': '7:0:0:1', 'device': 'sdb'}],"
            + " 'attachments': [{'volume_id': '" + VOL + "', 'state': 'attached', 'devices': ['7:0:0:1=sdb']}],"
            + " 'recovery': []}";

    @TempDir
    Path dir;

    private RpcServer server;
    private final List<String> calls = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private void daemon(String findStale, String inventory, String checkDomain) throws Exception {
        MethodTable t = new MethodTable()
                .register("cleanup_stale", Access.MUTATE, (p, c) -> {
                    boolean dry = p.path("dry_run").asBoolean();
                    calls.add("cleanup_stale dry_run=" + dry);
                    return json("{'dry_run': " + dry + ", 'findings': [{'class': 'stale', 'device': '/dev/sdc',"
                            + " 'hctl': '7:0:0:3', 'action': 'remove-device', 'reason': 'no LUN'}], 'actions': "
                            + (dry ? "[]" : "[{'ok': true, 'class': 'stale', 'device': '/dev/sdc', 'result': 'removed'}]")
                            + ", 'clean': true}");
                })
                .register("find_stale", Access.READ, (p, c) -> {
                    calls.add("find_stale " + p);
                    if (findStale == null) {
                        throw new BrickException(BrickException.Code.UNAVAILABLE, "multipathd is not answering");
                    }
                    return json(findStale);
                })
                .register("inventory", Access.READ, (p, c) -> {
                    calls.add("inventory");
                    return json(inventory);
                })
                .register("check_domain", Access.READ, (p, c) -> {
                    calls.add("check_domain " + p.path("domain").asText() + " bdms=" + p.path("bdms"));
                    return json(checkDomain);
                });
        server = RpcServer.bind(dir.resolve("brickd.sock"), t,
                new Authorizer(Set.of(System.getProperty("user.name")), Set.of(), Set.of()),
                RpcServerOptions.defaults().withSocketGroup(null).withStopDeadline(Duration.ofSeconds(5)));
    }

    /** The operator's answer on a terminal, or null for no terminal. */
    private String terminalAnswer;
    private final List<String> asked = new ArrayList<>();

    private int brickctl(String... args) {
        CommandLine cl = Brickctl.commandLine();
        Brickctl top = cl.getCommand();
        top.terminal = () -> terminalAnswer == null ? java.util.Optional.empty()
                : java.util.Optional.of(q -> {
                    asked.add(q);
                    return terminalAnswer;
                });
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--config", dir.resolve("absent.conf").toString(), "--socket",
                dir.resolve("brickd.sock").toString()));
        all.addAll(List.of(args));
        return cl.execute(all.toArray(String[]::new));
    }

    @Test
    void aHealthyHostPassesEveryCheckAndSaysSo() throws Exception {
        daemon("{'findings': []}", HEALTHY_INVENTORY, null);
        Path prom = dir.resolve("brickd.prom");

        int code = brickctl("check", "--prometheus", prom.toString());

        assertThat(code).as("stdout %s, stderr %s", out, err).isZero();
        assertThat(out.toString()).contains("all checks passed").doesNotContain("NOT CHECKED");
        assertThat(out.toString().lines().skip(1).limit(5))
                .extracting(l -> l.trim().split("\\s+"))
                .extracting(f -> f[0] + " " + f[2] + " " + f[3])
                .containsExactly("stale ok 0", "drift ok 0", "unowned ok 0", "ledger ok 0", "recovery ok 0");
        assertThat(calls).containsExactly("find_stale {\"include_unowned\":false}", "inventory");
        assertThat(Files.readString(prom)).contains("brickd_check_ok{check=\"stale\",invariant=\"I3\"} 1",
                "brickd_check_ok{check=\"ledger\",invariant=\"I6\"} 1");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temp file left").doesNotContain(
                    ".brickd.prom." + ProcessHandle.current().pid() + ".tmp");
        }
    }

    @Test
    void aStaleDeviceAndALostDeviceExitOneWithWhatToDo() throws Exception {
        daemon("{'findings': [{'class': 'stale', 'device': '/dev/sdc', 'hctl': '7:0:0:3', 'map': null,"
                + " 'reason': 'the LUN answers LOGICAL UNIT NOT SUPPORTED'}]}",
                "{'scsi_devices': [], 'attachments': [{'volume_id': '" + VOL + "', 'state': 'attached',"
                        + " 'devices': ['7:0:0:1=sdb']}], 'recovery': []}", null);

        int code = brickctl("check");

        assertThat(code).isEqualTo(1);
        assertThat(out.toString())
                .contains("stale: /dev/sdc (7:0:0:3): stale: the LUN answers LOGICAL UNIT NOT SUPPORTED")
                .contains("to do: brickctl cleanup --dry-run, then brickctl cleanup")
                .contains("ledger: volume " + VOL + ": its device 7:0:0:1=sdb is gone from the host")
                .contains("problems found");
    }

    @Test
    void aCheckThatCannotRunIsNotCheckedNeverPassed() throws Exception {
        daemon(null, HEALTHY_INVENTORY, null);
        Path prom = dir.resolve("brickd.prom");

        int code = brickctl("check", "--prometheus", prom.toString());

        assertThat(code).isEqualTo(2);
        assertThat(out.toString()).contains("stale: not checked: find_stale failed: multipathd is not answering")
                .contains("some checks could not run");
        assertThat(Files.readString(prom)).contains("brickd_check_unchecked{check=\"stale\",invariant=\"I3\"} 1",
                "brickd_check_ok{check=\"stale\",invariant=\"I3\"} 0", "brickd_check_ok{check=\"ledger\",invariant=\"I6\"} 1");
    }

    @Test
    void aDomainIsCheckedAgainstItsBdmFileAndAnUnreadableFileIsNotChecked() throws Exception {
        daemon("{'findings': []}", HEALTHY_INVENTORY, "{'consistent': false, 'findings': [{'domain': 'vm1',"
                + " 'target_dev': 'vdb', 'kind': 'serial', 'expected': '" + VOL + "', 'actual': 'other'}]}");
        Path bdms = Files.writeString(dir.resolve("bdms.json"), "[{\"volume_id\": \"" + VOL + "\"}]");

        int code = brickctl("--json", "check", "--domain", "vm1=" + bdms, "--domain", "vm2=" + dir.resolve("none.json"));

        assertThat(code).isEqualTo(1);
        assertThat(calls).contains("check_domain vm1 bdms=[{\"volume_id\":\"" + VOL + "\"}]")
                .noneMatch(c -> c.startsWith("check_domain vm2"));
        JsonNode r = JSON.readTree(out.toString());
        assertThat(r.path("exit").asInt()).isEqualTo(1);
        JsonNode vm1 = find(r, "vm1");
        JsonNode vm2 = find(r, "vm2");
        assertThat(vm1.path("status").asText()).isEqualTo("problems");
        assertThat(vm1.path("problems").get(0).path("what").asText()).isEqualTo("serial: expected " + VOL + ", actual other");
        assertThat(vm2.path("status").asText()).isEqualTo("unchecked");
        assertThat(vm2.path("error").asText()).startsWith("cannot read the BDM list " + dir.resolve("none.json"));
    }

    @Test
    void metricsThatCannotBeWrittenAreAnErrorNotASilentPass() throws Exception {
        daemon("{'findings': []}", HEALTHY_INVENTORY, null);

        int code = brickctl("check", "--prometheus", dir.resolve("no-such-dir/brickd.prom").toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("cannot write metrics to " + dir.resolve("no-such-dir/brickd.prom"));
    }

    @Test
    void cleanupOnATerminalShowsThePlanAndDoesNothingWhenDeclined() throws Exception {
        daemon("{'findings': []}", HEALTHY_INVENTORY, null);
        terminalAnswer = "n";

        int code = brickctl("cleanup");

        assertThat(code).isEqualTo(1);
        assertThat(asked).containsExactly("carry out this plan? [y/N] ");
        assertThat(calls).containsExactly("cleanup_stale dry_run=true");
        assertThat(out.toString()).contains("/dev/sdc").contains("declined: nothing done");
    }

    @Test
    void cleanupOnATerminalCarriesThePlanOutWhenConfirmed() throws Exception {
        daemon("{'findings': []}", HEALTHY_INVENTORY, null);
        terminalAnswer = "yes";

        assertThat(brickctl("cleanup")).isZero();

        assertThat(calls).containsExactly("cleanup_stale dry_run=true", "cleanup_stale dry_run=false");
        assertThat(out.toString()).contains("done:").contains("removed");
    }

    @Test
    void cleanupAsksNothingWithYesOrWithoutATerminal() throws Exception {
        daemon("{'findings': []}", HEALTHY_INVENTORY, null);
        terminalAnswer = "n";
        assertThat(brickctl("cleanup", "--yes")).isZero();
        terminalAnswer = null;
        assertThat(brickctl("cleanup")).isZero();

        assertThat(asked).isEmpty();
        assertThat(calls).containsExactly("cleanup_stale dry_run=false", "cleanup_stale dry_run=false");
    }

    private static JsonNode find(JsonNode r, String domain) {
        for (JsonNode c : r.path("checks")) {
            if (domain.equals(c.path("domain").asText())) {
                return c;
            }
        }
        throw new AssertionError("no check of domain " + domain + " in " + r);
    }
}
