package org.brickd.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.brickd.errors.InvalidInputException;
import org.brickd.types.Wwid.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WwidTest {

    private static final String LIO = "6001405aaaaaaaa00004000800000000";

    @ParameterizedTest
    @ValueSource(strings = {
        "36001405aaaaaaaa00004000800000000",     // udev / multipath
        "6001405aaaaaaaa00004000800000000",      // bare
        "6001405AAAAAAAA00004000800000000",
        "naa.6001405aaaaaaaa00004000800000000",  // kernel sysfs wwid
        "NAA.6001405AAAAAAAA00004000800000000",
        "0x6001405aaaaaaaa00004000800000000",
        "0X6001405AAAAAAAA00004000800000000",
        "36001405AAAAAAAA00004000800000000",
    })
    void everyFormOfOneNaa6IdIsTheSameWwid(String raw) {
        Wwid w = Wwid.parse(raw);
        assertThat(w.type()).isEqualTo(Type.NAA);
        assertThat(w.id()).isEqualTo(LIO);
        assertThat(w.udev()).isEqualTo("3" + LIO);
        assertThat(w.kernel()).isEqualTo("naa." + LIO);
        assertThat(w).hasToString("naa." + LIO);
        assertThat(w).isEqualTo(new Wwid(Type.NAA, LIO)).hasSameHashCodeAs(new Wwid(Type.NAA, LIO.toUpperCase()));
    }

    @ParameterizedTest
    @CsvSource({
        "35000c5001234abcd,                  NAA,   5000c5001234abcd",   // udev, NAA 5 (SAS disk)
        "5000c5001234abcd,                   NAA,   5000c5001234abcd",
        "naa.5000C5001234ABCD,               NAA,   5000c5001234abcd",
        "0x5000c5001234abcd,                 NAA,   5000c5001234abcd",
        "1000c5001234abcd,                   NAA,   1000c5001234abcd",   // NAA 1
        "2000c5001234abcd,                   NAA,   2000c5001234abcd",   // NAA 2, not udev EUI: 16 digits is bare
        "35000c5001234abc,                   NAA,   35000c5001234abc",   // 16 digits: bare NAA 3, not udev
        "eui.0123456789ABCDEF,               EUI64, 0123456789abcdef",
        "20123456789abcdef,                  EUI64, 0123456789abcdef",   // udev, EUI-64
        "eui.0123456789abcdef01234567,       EUI64, 0123456789abcdef01234567",
        "20123456789abcdef01234567,          EUI64, 0123456789abcdef01234567",
        "20123456789abcdef0123456789abcdef,  EUI64, 0123456789abcdef0123456789abcdef",
    })
    void readsTheTypeFromPrefixAndLength(String raw, Type type, String id) {
        Wwid w = Wwid.parse(raw);
        assertThat(w.type()).isEqualTo(type);
        assertThat(w.id()).isEqualTo(id);
        assertThat(Wwid.parse(w.udev())).isEqualTo(w);
        assertThat(Wwid.parse(w.kernel())).isEqualTo(w);
    }

    @Test
    void keepsKernelT10TextVerbatimAndRewritesItForUdev() {
        Wwid kernel = Wwid.parse("t10.ATA     QEMU HARDDISK   QM00001   ");
        assertThat(kernel.type()).isEqualTo(Type.T10);
        assertThat(kernel.id()).isEqualTo("ATA     QEMU HARDDISK   QM00001   ");
        assertThat(kernel.kernel()).isEqualTo("t10.ATA     QEMU HARDDISK   QM00001   ");
        assertThat(kernel.udev()).isEqualTo("1ATA_QEMU_HARDDISK_QM00001");

        Wwid udev = Wwid.parse("1ATA_QEMU_HARDDISK_QM00001");
        assertThat(udev.id()).isEqualTo("ATA_QEMU_HARDDISK_QM00001");
        assertThat(udev.udev()).isEqualTo("1ATA_QEMU_HARDDISK_QM00001");
        // Unequal, because the kernel's spacing cannot be rebuilt from udev's; but the same device.
        assertThat(udev).isNotEqualTo(kernel);
        assertThat(udev.matches(kernel)).isTrue();
        assertThat(kernel.matches(Wwid.parse("1ATA_QEMU_HARDDISK_QM00002"))).isFalse();
    }

    @Test
    void udevFormReplacesCharactersUdevDoesNotKeep() {
        assertThat(Wwid.parse("T10.LIO-ORG  disk,1 %x^y").udev()).isEqualTo("1LIO-ORG_disk_1__x_y");
    }

    @Test
    void naaAndEuiMatchExactlyWhenEqual() {
        assertThat(Wwid.parse("36001405aaaaaaaa00004000800000000").matches(Wwid.parse("naa." + LIO))).isTrue();
        assertThat(Wwid.parse("eui.5000c5001234abcd").matches(Wwid.parse("naa.5000c5001234abcd"))).isFalse();
        assertThat(Wwid.parse("eui.5000c5001234abcd")).isNotEqualTo(Wwid.parse("naa.5000c5001234abcd"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "6001405aaaaaaaa0000400080000000",        // 31 hex: odd
        "36001405aaaaaaaa0000400080000000",       // 32 hex starting 3: bare NAA 3 must be 16
        "naa.6001405aaaaaaaa0000400080000000",    // 31
        "naa.6001405aaaaaaaa000040008000000000",  // 33
        "naa.4123456789abcdef",                   // NAA type 4 does not exist
        "naa.6123456789abcdef",                   // NAA 6 is 32 digits
        "naa.5000c5001234abcd5000c5001234abcd",   // NAA 5 is 16 digits
        "naa.5000c5001234abcd00",
        "naa.5000c5001234abcg",
        "naa.",
        "0x",
        "0x36001405aaaaaaaa00004000800000000",    // 0x is bare NAA, never udev
        "7000c5001234abcd",                       // NAA type 7
        "46001405aaaaaaaa00004000800000000",      // 33 hex starting 4
        "5000c5001234abc",                        // 15
        "eui.0123",
        "eui.0123456789abcdef0",
        "eui.0123456789abcdeg",
        "2012345678",
        "t10.",
        "t10.   ",
        "1",
        "1ATA QEMU",                              // udev form has no spaces
        "1abc",                                   // all-hex is never udev T10
        "t10.ATA;QEMU",
        "t10.ATA/QEMU",
        "t10.ATA\\x01QEMU",
        "t10.ATA\tQEMU",
        "t10.ATA..QEMU",
        " t10.ATA",
        "name.iqn.2010-10.org.x",
        "scsi-36001405aaaaaaaa00004000800000000",
        "wwn-0x5000c5001234abcd",
    })
    void refusesMalformedIds(String raw) {
        assertThatThrownBy(() -> Wwid.parse("scsi_wwn", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("scsi_wwn");
    }

    @Test
    void constructorChecksTheIdSuitsTheType() {
        assertThatThrownBy(() -> new Wwid(Type.NAA, "4123456789abcdef")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Wwid(Type.EUI64, LIO + "00")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Wwid(Type.T10, "a;b")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Wwid(null, LIO)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void lengthLimitCoversTheLongestT10Designator() {
        String longest = "t10." + "A".repeat(Wwid.MAX_LENGTH - 4);
        assertThat(Wwid.parse(longest).kernel()).isEqualTo(longest);
        assertThatThrownBy(() -> Wwid.parse("scsi_wwn", longest + "A"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("scsi_wwn")
                .hasMessageContaining("at most 260");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Wwid.parse("scsi_wwn", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("scsi_wwn");
    }

    static Stream<String> hostile() {
        // The kernel T10 form allows spaces, so its whitespace cases are covered above instead.
        Stream<String> t10 = Hostile.around("t10.LIO-ORG disk").filter(s -> !s.matches("t10\\.LIO-ORG disk ?x?"));
        return Stream.concat(Stream.concat(Hostile.around("naa." + LIO), Hostile.around("3" + LIO)), t10);
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Wwid.parse("scsi_wwn", "naa.6001405aaaaaaaa0000400080000000"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid scsi_wwn \"naa.6001405aaaaaaaa0000400080000000\":"
                        + " has a NAA type 6 id of 31 hex digits; that type has 32");
        assertThatThrownBy(() -> Wwid.parse("scsi_wwn", "t10.ATA\u0007"))
                .hasMessage("invalid scsi_wwn \"t10.ATA\\x07\": contains a control character");
    }
}
