package org.brickd.iscsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.brickd.errors.HostException;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CHAP secrets go into open-iscsi's record files as iscsiadm would write them, under its lock. */
class NodeRecordsTest {

    private static final Iqn IQN = Iqn.parse("iqn.2003-01.org.linux-iscsi.bed:t1");
    private static final Portal P = Portal.parse("10.0.0.1:3260");
    private static final String KEY = "node.session.auth.password";

    @TempDir
    Path root;

    private NodeRecords records(Duration lockWait) {
        return new NodeRecords(root, lockWait);
    }

    private Path write(String relative, String... lines) throws Exception {
        Path f = root.resolve("etc/iscsi/nodes").resolve(IQN.toString()).resolve(relative);
        Files.createDirectories(f.getParent());
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void aSecretReplacesItsLineInTheOldStyleRecordAndTheRestStaysAsItWas() throws Exception {
        Path rec = write("10.0.0.1,3260", "# BEGIN RECORD 2.1.8", "node.name = " + IQN,
                "node.session.auth.authmethod = CHAP", KEY + " = <empty>", "node.conn[0].port = 3260", "# END RECORD");

        records(Duration.ofSeconds(1)).setSecret(P, IQN, KEY, "s3cret");

        assertThat(Files.readAllLines(rec)).containsExactly("# BEGIN RECORD 2.1.8", "node.name = " + IQN,
                "node.session.auth.authmethod = CHAP", KEY + " = s3cret", "node.conn[0].port = 3260", "# END RECORD");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rec))).isEqualTo("rw-------");
        assertThat(Files.list(rec.getParent())).as("no temporary file left").containsExactly(rec);
    }

    @Test
    void aMissingKeyIsAddedBeforeTheEndOfTheRecordInEveryPortalGroupsDefaultIface() throws Exception {
        Path tpg1 = write("10.0.0.1,3260,1/default", "# BEGIN RECORD 2.1.8", "node.tpgt = 1", "# END RECORD");
        Path tpg2 = write("10.0.0.1,3260,2/default", "# BEGIN RECORD 2.1.8", "node.tpgt = 2", "# END RECORD");
        Path otherPort = write("10.0.0.1,3261,1/default", "# BEGIN RECORD 2.1.8", "# END RECORD");
        Path otherIface = write("10.0.0.1,3260,1/bnx2i.00:11", "# BEGIN RECORD 2.1.8", "# END RECORD");

        records(Duration.ofSeconds(1)).setSecret(P, IQN, "node.session.auth.password_in", "in-secret");

        assertThat(Files.readAllLines(tpg1)).containsExactly("# BEGIN RECORD 2.1.8", "node.tpgt = 1",
                "node.session.auth.password_in = in-secret", "# END RECORD");
        assertThat(Files.readAllLines(tpg2)).contains("node.session.auth.password_in = in-secret");
        assertThat(Files.readAllLines(otherPort)).containsExactly("# BEGIN RECORD 2.1.8", "# END RECORD");
        assertThat(Files.readAllLines(otherIface)).containsExactly("# BEGIN RECORD 2.1.8", "# END RECORD");
    }

    @Test
    void noRecordIsAClearErrorAndWritesNothing() throws Exception {
        assertThatThrownBy(() -> records(Duration.ofSeconds(1)).setSecret(P, IQN, KEY, "s3cret"))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("no open-iscsi node record for " + IQN + " at " + P)
                .hasMessageNotContaining("s3cret");
        assertThat(root.resolve("etc/iscsi/nodes")).doesNotExist();
        assertThat(root.resolve("run/lock/iscsi/lock.write")).doesNotExist();
    }

    /** iscsiadm's lock taken as iscsiadm takes it: lock.write a hard link of lock. */
    private Path iscsiadmHoldsItsLock() throws Exception {
        Path lockDir = Files.createDirectories(root.resolve("run/lock/iscsi"));
        Files.createFile(lockDir.resolve("lock"));
        Files.createLink(lockDir.resolve("lock.write"), lockDir.resolve("lock"));
        return lockDir;
    }

    @Test
    void whileIscsiadmHoldsItsLockNothingIsWrittenAndTheWaitIsBounded() throws Exception {
        Path rec = write("10.0.0.1,3260", "# BEGIN RECORD 2.1.8", KEY + " = old", "# END RECORD");
        Path lockDir = iscsiadmHoldsItsLock();

        assertThatThrownBy(() -> records(Duration.ofMillis(200)).setSecret(P, IQN, KEY, "new"))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("stayed locked");
        assertThat(Files.readAllLines(rec)).contains(KEY + " = old");
        assertThat(lockDir.resolve("lock.write")).as("iscsiadm's lock is not ours to remove").exists();
    }

    @Test
    void theSecretIsWrittenOnceIscsiadmReleasesItsLock() throws Exception {
        Path rec = write("10.0.0.1,3260", "# BEGIN RECORD 2.1.8", KEY + " = old", "# END RECORD");
        Path lockDir = iscsiadmHoldsItsLock();
        Thread iscsiadm = new Thread(() -> {
            try {
                Thread.sleep(300); // test fixture: iscsiadm holding its lock for a while
                Files.write(rec, List.of("# BEGIN RECORD 2.1.8", KEY + " = old", "node.startup = manual", "# END RECORD"));
                Files.delete(lockDir.resolve("lock.write"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        iscsiadm.start();

        records(Duration.ofSeconds(10)).setSecret(P, IQN, KEY, "new");
        iscsiadm.join();

        assertThat(Files.readAllLines(rec)).as("written after iscsiadm's own write, which it kept")
                .containsExactly("# BEGIN RECORD 2.1.8", KEY + " = new", "node.startup = manual", "# END RECORD");
        assertThat(lockDir.resolve("lock.write")).as("released").doesNotExist();
    }

    @Test
    void aDiscoverySecretGoesIntoTheSendTargetsRecordOfItsPortalOnly() throws Exception {
        Path st = root.resolve("etc/iscsi/send_targets/10.0.0.1,3260/st_config");
        Path other = root.resolve("etc/iscsi/send_targets/10.0.0.2,3260/st_config");
        for (Path f : List.of(st, other)) {
            Files.createDirectories(f.getParent());
            Files.write(f, List.of("# BEGIN RECORD 2.1.8", "discovery.sendtargets.auth.password = <empty>", "# END RECORD"));
        }

        records(Duration.ofSeconds(1)).setDiscoverySecret(P, "discovery.sendtargets.auth.password", "d1sc");

        assertThat(Files.readAllLines(st)).contains("discovery.sendtargets.auth.password = d1sc");
        assertThat(Files.readAllLines(other)).contains("discovery.sendtargets.auth.password = <empty>");
        assertThatThrownBy(() -> records(Duration.ofSeconds(1))
                .setDiscoverySecret(Portal.parse("10.0.0.9:3260"), "discovery.sendtargets.auth.password", "d1sc"))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("no open-iscsi discovery record for 10.0.0.9:3260");
    }

    @Test
    void aValueThatWouldBreakTheRecordsLineIsRefused() {
        assertThatThrownBy(() -> records(Duration.ofSeconds(1)).setSecret(P, IQN, KEY, "a\nnode.name = x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> records(Duration.ofSeconds(1)).setSecret(P, IQN, "node.name = x\n", "v"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysAreReadAsOpenIscsiReadsThem() {
        assertThat(NodeRecords.keyOf("node.session.auth.password = x")).isEqualTo("node.session.auth.password");
        assertThat(NodeRecords.keyOf("  node.conn[0].port=3260")).isEqualTo("node.conn[0].port");
        assertThat(NodeRecords.keyOf("# node.session.auth.password = x")).isEmpty();
        assertThat(NodeRecords.keyOf("")).isEmpty();
    }
}
