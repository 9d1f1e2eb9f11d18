package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.brickd.errors.InvalidInputException;
import org.brickd.testing.FakeHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockNodesTest {

    @TempDir
    Path root;

    private FakeHost host() {
        FakeHost h = new FakeHost(root).scsiHost(7)
                .scsiDisk("7:0:0:1", "sdb", "LIO-ORG", "FILEIO", "naa.6001405aaaaaaaa00004000800000000")
                .scsiDisk("7:0:0:2", "sdc", "LIO-ORG", "FILEIO", "naa.6001405bbbbbbbb00004000800000000")
                .udevProcessed("sdb", "8:16", "36001405aaaaaaaa00004000800000000")
                .udevProcessed("sdc", "8:32", "36001405bbbbbbbb00004000800000000");
        h.link("dev/disk/by-id/scsi-36001405aaaaaaaa00004000800000000", "../../sdb");
        h.link("dev/disk/by-path/ip-10.0.0.5:3260-iscsi-iqn.2010-10.org.x:a-lun-1", "../../sdb");
        return h;
    }

    @Test
    void differentPathsToOneDiskHaveOneNumber() {
        FakeHost h = host();
        BlockNodes nodes = new BlockNodes(root, h.sysfs());

        assertThat(nodes.deviceNumber("/dev/sdb")).contains("8:16");
        assertThat(nodes.deviceNumber("/dev/disk/by-id/scsi-36001405aaaaaaaa00004000800000000")).contains("8:16");
        assertThat(nodes.deviceNumber("/dev/disk/by-path/ip-10.0.0.5:3260-iscsi-iqn.2010-10.org.x:a-lun-1"))
                .contains("8:16");
        assertThat(nodes.deviceNumber("/dev/sdc")).contains("8:32");
    }

    @Test
    void missingPathsLinksOutOfDevAndNonDevicesHaveNoNumber() throws Exception {
        FakeHost h = host();
        Files.writeString(root.resolve("outside"), "");
        h.link("dev/disk/by-id/escape", "../../../outside");
        h.mkdirs("dev/somedir");
        BlockNodes nodes = new BlockNodes(root, h.sysfs());

        assertThat(nodes.deviceNumber("/dev/sdz")).isEmpty();
        assertThat(nodes.deviceNumber("/dev/disk/by-id/escape")).isEmpty();
        assertThat(nodes.deviceNumber("/dev/somedir")).isEmpty();
        assertThatThrownBy(() -> nodes.deviceNumber("/etc/passwd")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> nodes.deviceNumber("/dev/../etc/passwd")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aRealCharacterNodeIsNotABlockDevice() throws Exception {
        // /dev/null exists on every Linux host: a node, but a character one
        BlockNodes real = new BlockNodes(Path.of("/"), new Sysfs(Path.of("/")));
        Map<String, Object> a = Files.readAttributes(Path.of("/dev/null"), "unix:rdev");
        assertThat((Long) a.get("rdev")).isNotZero();
        assertThat(real.deviceNumber("/dev/null")).isEmpty();
    }

    @Test
    void rdevSplitsLikeGlibc() {
        assertThat(BlockNodes.major(0x0810L)).isEqualTo(8);
        assertThat(BlockNodes.minor(0x0810L)).isEqualTo(16);
        // major 259 (blkext), minor 1048575: the wide encoding
        long rdev = ((259L & 0xfff) << 8) | (1048575L & 0xff) | ((1048575L & ~0xffL) << 12);
        assertThat(BlockNodes.major(rdev)).isEqualTo(259);
        assertThat(BlockNodes.minor(rdev)).isEqualTo(1048575);
    }
}
