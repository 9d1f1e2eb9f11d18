package org.brickd.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.brickd.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class WwpnTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "200002000000000a",
        "200002000000000A",
        "0x200002000000000a",
        "0X200002000000000A",
        "20:00:02:00:00:00:00:0a",
        "20:00:02:00:00:00:00:0A",
    })
    void acceptsEveryFormIntoOneCanonicalValue(String raw) {
        Wwpn w = Wwpn.parse(raw);
        assertThat(w.hex()).isEqualTo("200002000000000a");
        assertThat(w.toString()).isEqualTo("200002000000000a");
        assertThat(w.withColons()).isEqualTo("20:00:02:00:00:00:00:0a");
        assertThat(w.with0x()).isEqualTo("0x200002000000000a");
        assertThat(w).isEqualTo(Wwpn.parse("200002000000000a")).hasSameHashCodeAs(Wwpn.parse("0x200002000000000a"));
    }

    @Test
    void roundTripsThroughEachRendering() {
        Wwpn w = Wwpn.parse("0x21000024ff3a2b4c");
        assertThat(Wwpn.parse(w.withColons())).isEqualTo(w);
        assertThat(Wwpn.parse(w.with0x())).isEqualTo(w);
        assertThat(new Wwpn("21:00:00:24:FF:3A:2B:4C")).isEqualTo(w);
    }

    @Test
    void aPortNameIsNeverEqualToANodeNameWithTheSameDigits() {
        assertThat((Object) Wwpn.parse("200002000000000a")).isNotEqualTo(Wwnn.parse("200002000000000a"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "200002000000000",            // 15 hex
        "200002000000000ab",          // 17 hex
        "0x200002000000000",
        "0x",
        "x200002000000000a",
        "00x200002000000000a",
        "200002000000000g",
        "20:00:02:00:00:00:00",       // 7 pairs
        "20:00:02:00:00:00:00:0a:0b", // 9 pairs
        "20:00:02:00:00:00:00:0a:",
        ":20:00:02:00:00:00:00:0a",
        "2:00:02:00:00:00:00:0a0",
        "20-00-02-00-00-00-00-0a",
        "2000:0200:0000:000a",
        "0x20:00:02:00:00:00:00:0a",
        "20:00:02:00:00:00:00:0g",
    })
    void refusesMalformedNames(String raw) {
        assertThatThrownBy(() -> Wwpn.parse("target_wwn", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_wwn");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Wwpn.parse("target_wwn", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_wwn");
    }

    static Stream<String> hostile() {
        return Stream.concat(Hostile.around("200002000000000a"), Hostile.around("20:00:02:00:00:00:00:0a"));
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Wwpn.parse("target_wwn", "200002000000000"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid target_wwn \"200002000000000\": has 15 hex digits; an FC name has exactly 16");
        assertThatThrownBy(() -> Wwpn.parse("target_wwn", "2000\"02000000000a"))
                .hasMessageStartingWith("invalid target_wwn \"2000\\\"02000000000a\": ");
    }
}
