package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixNamesTest {

    static final String PASSWD = """
            root:x:0:0:root:/root:/bin/bash
            # a comment
            nova:x:64060:64060:OpenStack Compute,,,:/var/lib/nova:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            broken:x:notanumber:1::/:
            short:x:5
            +nisuser::::::
            nova:x:1:1:duplicate, ignored:/:/bin/sh
            """;
    static final String GROUP = """
            root:x:0:
            nova:x:64060:
            brickd:x:998:nova,alice
            libvirt:x:997: nova ,,
            nogroup:x:65534:
            """;

    private final PosixNames names = PosixNames.parse(PASSWD, GROUP);

    @Test
    void resolvesUsersAndGroupsToIds() {
        assertThat(names.uid("root")).hasValue(0);
        assertThat(names.uid("nova")).hasValue(64060);
        assertThat(names.gid("brickd")).hasValue(998);
        assertThat(names.groupName(65534)).hasValue("nogroup");
    }

    @Test
    void skipsMalformedLinesAndKeepsTheFirstEntry() {
        assertThat(names.uid("broken")).isEmpty();
        assertThat(names.uid("short")).isEmpty();
        assertThat(names.uid("+nisuser")).isEmpty();
    }

    @Test
    void aNumericNameWithoutEntryIsItsOwnId() {
        // The JDK renders a uid without a passwd entry as its number.
        assertThat(names.uid("4242")).hasValue(4242);
        assertThat(names.gid("4243")).hasValue(4243);
        assertThat(names.uid("ldapuser")).isEmpty();
        assertThat(names.uid("99999999999")).isEmpty();
    }

    @Test
    void groupsOfAUserAreItsPrimaryAndItsMemberships() {
        assertThat(names.groupsOf("nova")).containsExactly("nova", "brickd", "libvirt");
        assertThat(names.groupsOf("alice")).containsExactly("brickd");
        assertThat(names.groupsOf("nobody")).containsExactly("nogroup");
    }

    @Test
    void buildsACallerFromPeerNames() {
        Caller c = names.caller("nova", "nova");
        assertThat(c.uid()).isEqualTo(64060);
        assertThat(c.gid()).isEqualTo(64060);
        assertThat(c.pid()).isEqualTo(-1);
        assertThat(c.groups()).containsExactlyInAnyOrder("nova", "brickd", "libvirt");

        Caller unknown = names.caller("ldapuser", "ldapgroup");
        assertThat(unknown.uid()).isEqualTo(-1);
        assertThat(unknown.groups()).containsExactly("ldapgroup");
    }

    @Test
    void loadsFilesAndTreatsAMissingFileAsEmpty(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("passwd"), PASSWD);
        PosixNames loaded = PosixNames.load(dir.resolve("passwd"), dir.resolve("no-such-group"));
        assertThat(loaded.uid("nova")).hasValue(64060);
        assertThat(loaded.gid("brickd")).isEmpty();
    }

    @Test
    void readsThisHostsFiles() throws Exception {
        assertThat(PosixNames.system().uid("root")).hasValue(0);
    }
}
