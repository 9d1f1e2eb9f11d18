package org.brickd.iscsi;

import org.brickd.connector.Identity;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.IscsiConnection;
import org.brickd.host.Command;
import org.brickd.host.Uevents;
import org.brickd.testing.FakeIscsi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one place iscsiadm's argv is asserted: it is the contract with open-iscsi (every
 * other test checks outcomes). Node records are always addressed by -T and -p.
 */
class IscsiAdmArgvTest {

    static final String IQN = IscsiConnectorTest.IQN;
    static final String P1 = IscsiConnectorTest.P1;
    static final String WWID = IscsiConnectorTest.WWID_A;
    static final String VOL = IscsiConnectorTest.VOL_A;

    @TempDir
    Path root;

    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));

    @AfterEach
    void close() {
        uevents.close();
    }

    /** {@code iscsiadm -m node -T IQN -p P1} followed by {@code rest}. */
    static List<String> node(String... rest) {
        List<String> argv = new ArrayList<>(List.of("iscsiadm", "-m", "node", "-T", IQN, "-p", P1));
        argv.addAll(List.of(rest));
        return argv;
    }

    static List<String> update(String key, String value) {
        return node("--op", "update", "-n", key, "-v", value);
    }

    /** What every first login sends before its authentication settings. */
    static List<List<String>> prepare() {
        return List.of(
                node(),
                node("--interface", "default", "--op", "new"),
                update("node.session.scan", "manual"),
                update("node.startup", "manual"),
                update("node.session.initial_login_retry_max", "1"),
                update("node.conn[0].timeo.login_timeout", "1")); // half the 2 s login deadline
    }

    private static List<List<String>> argv(List<Command> commands) {
        return commands.stream().map(Command::argv).toList();
    }

    private static List<List<String>> concat(List<List<String>> a, List<List<String>> b) {
        List<List<String>> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void firstConnectWithoutChap() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID));

        IscsiConnectorTest.connector(host, uevents).connectSingle(IscsiConnectorTest.volume(VOL, 1), Identity.none());

        assertThat(argv(host.commands())).containsExactlyElementsOf(concat(prepare(), List.of(
                update("node.session.auth.authmethod", "None"),
                node("--login"))));
    }

    /** The node record file as open-iscsi keeps it after {@code --op new}: nodes/IQN/ADDR,PORT. */
    private Path record() {
        return root.resolve("etc/iscsi/nodes").resolve(IQN).resolve(P1.replace(':', ','));
    }

    @Test
    void firstConnectWithChapNeverPutsTheSecretInArgvItGoesIntoTheRecordFileOnly() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID).chap("cinder", "s3cret-Out"));
        IscsiConnection vol = IscsiConnectorTest.volume(VOL, 1,
                Optional.of(IscsiConnectorTest.chap("cinder", "s3cret-Out")), Optional.empty(), P1);

        IscsiConnectorTest.connector(host, uevents).connectSingle(vol, Identity.none());

        assertThat(argv(host.commands())).containsExactlyElementsOf(concat(prepare(), List.of(
                update("node.session.auth.authmethod", "CHAP"),
                update("node.session.auth.username", "cinder"),
                node("--login"))));
        assertThat(Files.readAllLines(record())).contains("node.session.auth.password = s3cret-Out",
                "node.session.auth.username = cinder", "node.session.auth.authmethod = CHAP");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record()))).isEqualTo("rw-------");
        assertThat(Files.exists(root.resolve("run/lock/iscsi/lock.write"))).as("open-iscsi's lock released").isFalse();
    }

    @Test
    void firstConnectWithMutualChap() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID)
                .chap("cinder", "s3cret-Out").mutualChap("target", "s3cret-In"));
        Chap mutual = new Chap("cinder", "s3cret-Out", Optional.of("target"), Optional.of("s3cret-In"));
        IscsiConnection vol = IscsiConnectorTest.volume(VOL, 1, Optional.of(mutual), Optional.empty(), P1);

        IscsiConnectorTest.connector(host, uevents).connectSingle(vol, Identity.none());

        List<List<String>> auth = List.of(
                update("node.session.auth.authmethod", "CHAP"),
                update("node.session.auth.username", "cinder"),
                update("node.session.auth.username_in", "target"),
                node("--login"));
        assertThat(argv(host.commands())).containsExactlyElementsOf(concat(prepare(), auth));
        assertThat(Files.readAllLines(record())).contains("node.session.auth.password = s3cret-Out",
                "node.session.auth.password_in = s3cret-In");
    }

    @Test
    void connectOnAnExistingSessionRunsNoIscsiadmAtAll() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID)
                .lun(2, IscsiConnectorTest.WWID_B));
        IscsiConnector connector = IscsiConnectorTest.connector(host, uevents);
        connector.connectSingle(IscsiConnectorTest.volume(IscsiConnectorTest.VOL_B, 2), Identity.none());
        int before = host.commands().size();

        connector.connectSingle(IscsiConnectorTest.volume(VOL, 1), Identity.none());

        assertThat(host.commands().subList(before, host.commands().size())).isEmpty();
    }

    @Test
    void disconnectOfTheLastLunLogsOutThenDeletesTheRecord() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID));
        IscsiConnector connector = IscsiConnectorTest.connector(host, uevents);
        connector.connectSingle(IscsiConnectorTest.volume(VOL, 1), Identity.none());
        int before = host.commands().size();

        connector.disconnect(IscsiConnectorTest.volume(VOL, 1), false);

        assertThat(argv(host.commands().subList(before, host.commands().size()))).containsExactly(
                node("--logout"),
                node("--op", "delete"));
    }
}
