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

/** Wwnn shares Wwpn's grammar (FcName); these check the wiring and the default field. */
class WwnnTest {

    @ParameterizedTest
    @CsvSource({
        "0x20000024ff3a2b4c,        20000024ff3a2b4c, 20:00:00:24:ff:3a:2b:4c",
        "20:00:00:24:FF:3A:2B:4C,   20000024ff3a2b4c, 20:00:00:24:ff:3a:2b:4c",
        "5006016A3EA0159B,          5006016a3ea0159b, 50:06:01:6a:3e:a0:15:9b",
    })
    void acceptsEveryForm(String raw, String hex, String colons) {
        Wwnn w = Wwnn.parse(raw);
        assertThat(w.hex()).isEqualTo(hex);
        assertThat(w.withColons()).isEqualTo(colons);
        assertThat(w.with0x()).isEqualTo("0x" + hex);
        assertThat(w).hasToString(hex);
    }

    @ParameterizedTest
    @ValueSource(strings = {"20000024ff3a2b4", "0x20000024ff3a2b4c0", "20:00:00:24:ff:3a:2b", "2000-0024-ff3a-2b4c"})
    void refusesMalformedNames(String raw) {
        assertThatThrownBy(() -> Wwnn.parse(raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("wwnn");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Wwnn.parse("node_name", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("node_name");
    }

    static Stream<String> hostile() {
        return Hostile.around("0x20000024ff3a2b4c");
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Wwnn.parse("node_name", "0x20000024ff3a2b4c\t"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid node_name \"0x20000024ff3a2b4c\\x09\": contains a control character");
    }
}
