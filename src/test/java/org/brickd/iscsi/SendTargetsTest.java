package org.brickd.iscsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.brickd.errors.HostException;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Commands;
import org.brickd.iscsi.IscsiAdm.Announced;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;
import org.junit.jupiter.api.Test;

/** SendTargets discovery: its argv (the contract with open-iscsi), what it leaves behind, its parsing. */
class SendTargetsTest {

    private static final String P = "10.0.0.1:3260";
    private static final String IQN = "iqn.2003-01.org.linux-iscsi.bed:t1";
    private static final String ANNOUNCED = "10.0.0.1:3260,1 " + IQN + "\n10.0.1.1:3260,1 " + IQN + "\n"
            + "10.0.0.1:3260,1 iqn.2003-01.org.linux-iscsi.bed:other\n";

    /** Records argv; answers with {@code script}. */
    private static final class Scripted implements Commands {
        final List<Command> ran = new ArrayList<>();
        final Function<List<String>, CommandResult> script;

        Scripted(Function<List<String>, CommandResult> script) {
            this.script = script;
        }

        @Override
        public CommandResult run(Command c) {
            ran.add(c);
            return script.apply(c.argv());
        }

        List<List<String>> argv() {
            return ran.stream().map(Command::argv).toList();
        }
    }

    private static CommandResult result(List<String> argv, int exit, String out) {
        return new CommandResult(Command.of(argv.get(0), Duration.ofSeconds(1)).args(argv.subList(1, argv.size())
                .toArray(String[]::new)).build(), exit, out, exit == 0 ? "" : "iscsiadm: failed", Duration.ZERO);
    }

    private static List<String> db(String... rest) {
        List<String> a = new ArrayList<>(List.of("iscsiadm", "-m", "discoverydb", "-t", "sendtargets", "-p", P));
        a.addAll(List.of(rest));
        return a;
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path root;

    /** open-iscsi's discovery record for P, where iscsiadm --op new writes it. */
    private java.nio.file.Path stConfig() {
        return root.resolve("etc/iscsi/send_targets/10.0.0.1,3260/st_config");
    }

    private NodeRecords records() {
        return new NodeRecords(root, Duration.ofSeconds(1));
    }

    /** A host with no discovery record for P: open-iscsi 2.1 answers the show with 6 ("not found"). */
    private Scripted host(int discoverExit) {
        return new Scripted(a -> {
            if (a.equals(db("--op", "new"))) {
                try {
                    java.nio.file.Files.createDirectories(stConfig().getParent());
                    java.nio.file.Files.write(stConfig(), List.of("# BEGIN RECORD 2.1.8", "discovery.startup = manual",
                            "discovery.sendtargets.auth.password = <empty>", "# END RECORD"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            if (a.equals(db()) || a.equals(db("--op", "delete")) && discoverExit != 0) {
                return result(a, IscsiAdm.ERR_IDBM, "");
            }
            if (a.contains("nonpersistent")) {
                return result(a, discoverExit, discoverExit == 0 ? ANNOUNCED : "");
            }
            return result(a, 0, "");
        });
    }

    @Test
    void withoutChapItWritesNoNodeRecordAndDeletesTheDiscoveryRecordItMade() {
        Scripted h = host(0);

        List<Announced> found = new IscsiAdm(h, Duration.ofSeconds(5), records()).sendTargets(Portal.parse(P), Optional.empty(),
                Duration.ofSeconds(9));

        assertThat(h.argv()).containsExactly(
                db(),
                List.of("iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", P, "--op", "nonpersistent"),
                db("--op", "delete"));
        assertThat(h.ran.get(1).timeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(found).containsExactly(
                new Announced(Portal.parse(P), Iqn.parse(IQN)),
                new Announced(Portal.parse("10.0.1.1:3260"), Iqn.parse(IQN)),
                new Announced(Portal.parse(P), Iqn.parse("iqn.2003-01.org.linux-iscsi.bed:other")));
    }

    @Test
    void withMutualChapTheSecretsGoIntoTheDiscoveryRecordNeverIntoAnArgv() throws Exception {
        List<List<String>> secretsAtDiscovery = new java.util.ArrayList<>();
        Scripted h = new Scripted(a -> {
            if (a.contains("nonpersistent")) {
                try {
                    secretsAtDiscovery.add(java.nio.file.Files.readAllLines(stConfig()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return host(0).script.apply(a);
        });
        Chap chap = new Chap("disc-user", "disc-secret-1234", Optional.of("tgt-user"), Optional.of("tgt-secret-5678"));

        new IscsiAdm(h, Duration.ofSeconds(5), records()).sendTargets(Portal.parse(P), Optional.of(chap), Duration.ofSeconds(9));

        assertThat(h.argv()).containsExactly(
                db(),
                db("--op", "new"),
                db("--op", "update", "-n", "discovery.sendtargets.auth.authmethod", "-v", "CHAP"),
                db("--op", "update", "-n", "discovery.sendtargets.auth.username", "-v", "disc-user"),
                db("--op", "update", "-n", "discovery.sendtargets.auth.username_in", "-v", "tgt-user"),
                db("--discover", "--op", "nonpersistent"),
                db("--op", "delete"));
        assertThat(h.argv()).allSatisfy(a -> assertThat(String.join(" ", a)).doesNotContain("disc-secret-1234")
                .doesNotContain("tgt-secret-5678"));
        assertThat(secretsAtDiscovery).singleElement().satisfies(lines -> assertThat(lines).contains(
                "discovery.sendtargets.auth.password = disc-secret-1234",
                "discovery.sendtargets.auth.password_in = tgt-secret-5678"));
    }

    @Test
    void aDiscoveryRecordTheOperatorHadIsKept() {
        Scripted h = new Scripted(a -> result(a, 0, a.contains("nonpersistent") ? ANNOUNCED : "discovery.type = sendtargets"));

        new IscsiAdm(h, Duration.ofSeconds(5), records()).sendTargets(Portal.parse(P), Optional.empty(), Duration.ofSeconds(9));

        assertThat(h.argv()).doesNotContain(db("--op", "delete"));
    }

    @Test
    void aRefusedDiscoveryLoginSaysSoAndStillCleansUp() {
        Scripted h = host(IscsiAdm.ERR_LOGIN_AUTH_FAILED);
        Chap chap = new Chap("disc-user", "wrong-secret-000", Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> new IscsiAdm(h, Duration.ofSeconds(5), records()).sendTargets(Portal.parse(P), Optional.of(chap),
                Duration.ofSeconds(9)))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("CHAP authentication failed")
                .hasMessageNotContaining("wrong-secret-000");
        assertThat(h.argv()).endsWith(db("--op", "delete"));
    }

    @Test
    void parsingKeepsPortalAndIqnLinesOnly() {
        String out = "[fd00::1]:3260,1 " + IQN + "\n"
                + "iscsiadm: connection login retries (reopen_max) 5 exceeded\n"
                + "10.0.0.1:3260,1 " + IQN + "\n"
                + "10.0.0.1:3260,1 " + IQN + "\n"
                + "10.0.0.9:3260,1 not-an-iqn;rm\n"
                + "\n";

        assertThat(IscsiAdm.parseSendTargets(out)).containsExactly(
                new Announced(Portal.parse("[fd00::1]:3260"), Iqn.parse(IQN)),
                new Announced(Portal.parse(P), Iqn.parse(IQN)));
    }
}
