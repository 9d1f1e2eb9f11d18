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

class HctlTest {

    @ParameterizedTest
    @CsvSource({
        "6:0:0:1,                 6,          0, 0, 1,                   0 0 1",
        "0:0:0:0,                 0,          0, 0, 0,                   0 0 0",
        "12:0:3:16640,            12,         0, 3, 16640,               0 3 16640",
        "2147483647:1:2:16384,    2147483647, 1, 2, 16384,               1 2 16384",
        "1:0:0:9223372036854775807, 1,        0, 0, 9223372036854775807, 0 0 9223372036854775807",
    })
    void parsesTheKernelForm(String raw, int host, int channel, int target, long lun, String scanLine) {
        Hctl h = Hctl.parse(raw);
        assertThat(h).isEqualTo(new Hctl(host, channel, target, lun));
        assertThat(h).hasToString(raw);
        assertThat(h.scanLine()).isEqualTo(scanLine);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "6:0:0",
        "6:0:0:1:2",
        "6:0:0:-1",
        "-6:0:0:1",
        "06:0:0:1",
        "6:0:0:01",
        "6:0:0:",
        ":0:0:1",
        "6::0:1",
        "a:0:0:1",
        "6:0:0:0x1",
        "2147483648:0:0:1",
        "6:0:2147483648:1",
        "6:0:0:9223372036854775808",
        "6:0:0:99999999999999999999",
        "6.0.0.1",
        "6,0,0,1",
    })
    void refusesMalformedAddresses(String raw) {
        assertThatThrownBy(() -> Hctl.parse("hctl", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("hctl");
    }

    @Test
    void constructorRefusesNegativeParts() {
        assertThatThrownBy(() -> new Hctl(1, 0, 0, -1)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Hctl(-1, 0, 0, 1)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Hctl.parse("scsi_address", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("scsi_address");
    }

    static Stream<String> hostile() {
        return Hostile.around("6:0:0:1");
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Hctl.parse("hctl", "6:0:0:x"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid hctl \"6:0:0:x\":"
                        + " has lun 'x'; expected an unsigned decimal without leading zeros");
        assertThatThrownBy(() -> Hctl.parse("hctl", "6:0:0:1\r"))
                .hasMessage("invalid hctl \"6:0:0:1\\x0d\": contains a control character");
    }
}
