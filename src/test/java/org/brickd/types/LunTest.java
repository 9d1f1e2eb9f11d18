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

class LunTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 255, 256, 16383})
    void parsesDecimalWithTheKernelNumberUnchanged(int n) {
        Lun lun = Lun.parse(Integer.toString(n));
        assertThat(lun.value()).isEqualTo(n);
        assertThat(lun.kernelLun()).isEqualTo(n);
        assertThat(lun.isFlatSpace()).isFalse();
        assertThat(lun.scanToken()).isEqualTo(Integer.toString(n));
        assertThat(lun).hasToString(Integer.toString(n)).isEqualTo(Lun.of("target_lun", n));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "16384", "99999", "01", "00", "+1", "1.0", "1e3", "0x10", "abc", "1_0"})
    void refusesOutOfRangeAndNonCanonicalText(String raw) {
        assertThatThrownBy(() -> Lun.parse("target_lun", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_lun");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 16384, Integer.MAX_VALUE + 1L, Long.MAX_VALUE, Long.MIN_VALUE})
    void refusesOutOfRangeJsonNumbers(long n) {
        assertThatThrownBy(() -> Lun.of("target_luns[2]", n))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_luns[2]")
                .hasMessageContaining("0..16383");
    }

    /** os-brick's lun_for_addressing, case by case. */
    @ParameterizedTest
    @CsvSource({
        "1,     SAM,          1",
        "300,   SAM,          300",
        "1,     transparent,  1",
        "16383, transparent,  16383",
        "0,     SAM2,         0",
        "255,   SAM2,         255",
        "256,   SAM2,         16640",
        "16383, SAM2,         32767",
        "0,     SAM3-flat,    16384",
        "1,     SAM3-flat,    16385",
        "256,   SAM3-flat,    16640",
        "16383, SAM3-flat,    32767",
    })
    void translatesForTheAddressingMode(int lun, String mode, long kernel) {
        Lun l = Lun.fromAddressing(lun, mode);
        assertThat(l.value()).isEqualTo(lun);
        assertThat(l.kernelLun()).isEqualTo(kernel);
        assertThat(l.scanToken()).isEqualTo(Long.toString(kernel));
        assertThat(l.isFlatSpace()).isEqualTo(kernel != lun);
    }

    @Test
    void noModeMeansSam() {
        assertThat(Lun.fromAddressing(300, null)).isEqualTo(Lun.parse("300"));
    }

    @Test
    void theSameArrayLunUnderDifferentAddressingIsADifferentUnit() {
        Lun flat = Lun.fromAddressing(256, "SAM2");
        assertThat(flat).isNotEqualTo(Lun.parse("256"));
        assertThat(flat).hasToString("256 (kernel 16640)");
        assertThat(flat).isEqualTo(new Lun(256, 16640));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sam", "SAM3", "flat", "", "SAM3-flat;reboot", "transparent\n"})
    void refusesUnknownModesNamingTheModeField(String mode) {
        assertThatThrownBy(() -> Lun.fromAddressing(1, mode))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("addressing_mode");
    }

    @Test
    void fromAddressingChecksTheRangeToo() {
        assertThatThrownBy(() -> Lun.fromAddressing(16384, "SAM3-flat"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_lun");
        assertThatThrownBy(() -> Lun.fromAddressing(-1, "SAM"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_lun");
    }

    @Test
    void constructorKeepsTheTwoNumbersConsistent() {
        assertThatThrownBy(() -> new Lun(5, 7)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Lun(-1, -1)).isInstanceOf(InvalidInputException.class);
        assertThat(new Lun(5, 16389).isFlatSpace()).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Lun.parse("target_lun", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_lun");
    }

    static Stream<String> hostile() {
        return Hostile.around("1");
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Lun.parse("target_lun", "16384"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid target_lun \"16384\": is out of range 0..16383");
        assertThatThrownBy(() -> Lun.parse("target_lun", "1\u0000"))
                .hasMessage("invalid target_lun \"1\\x00\": contains a control character");
    }
}
