package org.brickd.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.brickd.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class BlockDeviceTest {

    @ParameterizedTest
    @CsvSource({
        "sda,        false, true",
        "sdz,        false, true",
        "sdaa,       false, true",
        "sdzzzz,     false, true",
        "dm-0,       true,  false",
        "dm-17,      true,  false",
        "dm-9999999, true,  false",
    })
    void acceptsWholeDisksAndDmNodes(String name, boolean dm, boolean scsi) {
        BlockDevice d = BlockDevice.parse(name);
        assertThat(d.name()).isEqualTo(name);
        assertThat(d.isDm()).isEqualTo(dm);
        assertThat(d.isScsiDisk()).isEqualTo(scsi);
        assertThat(d.devPath()).isEqualTo("/dev/" + name);
        assertThat(d).hasToString(name);
        assertThat(BlockDevice.fromDevPath(d.devPath())).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sda1", "sd", "sdaaaaa", "SDA", "sdA", "sd1", "dm-", "dm-01", "dm-00", "dm--1", "dm-10000000",
        "dm-1a", "dm0", "vda", "nvme0n1", "loop0", "sr0", "mpatha", "/dev/sda", "mapper/mpatha",
    })
    void refusesOtherNames(String raw) {
        assertThatThrownBy(() -> BlockDevice.parse("device", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("device");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/dev/../sda", "/dev/./sda", "/dev//sda", "/dev/sda1", "/dev/sda/", "/dev/", "/dev/dm-01",
        "/dev/disk/by-id/wwn-0x5000", "/dev/mapper/mpatha", "/sys/block/sda", "/tmp/dev/sda",
        "dev/sda", "sda", "//dev/sda", "/DEV/sda", "/dev/sda ", "/dev/sda\u0000", "/dev/sda\n",
    })
    void fromDevPathTakesOnlyDevSdOrDm(String raw) {
        assertThatThrownBy(() -> BlockDevice.fromDevPath("device_path", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("device_path");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> BlockDevice.parse("device", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("device");
        assertThatThrownBy(() -> BlockDevice.fromDevPath("device_path", raw == null ? null : "/dev/" + raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("device_path");
    }

    static Stream<String> hostile() {
        return Stream.concat(Hostile.around("sdb"), Hostile.around("dm-3"));
    }

    @Test
    void errorShowsTheWholePathNotJustTheName() {
        assertThatThrownBy(() -> BlockDevice.fromDevPath("device_path", "/dev/sda1"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid device_path \"/dev/sda1\":"
                        + " is not a whole SCSI disk (sd[a-z]{1,4}, no partition) or dm-N");
        assertThatThrownBy(() -> BlockDevice.fromDevPath("device_path", "/dev/../sda"))
                .hasMessage("invalid device_path \"/dev/../sda\": contains '..'");
        assertThatThrownBy(() -> BlockDevice.parse("device", "sda\u001b[2J"))
                .hasMessage("invalid device \"sda\\x1b[2J\": contains a control character");
    }
}
