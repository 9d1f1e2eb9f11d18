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

/** InstanceId shares VolumeId's grammar (Uuids); these check the wiring and the default field. */
class InstanceIdTest {

    private static final String ID = "0b9f3a6c-2d4e-4f1a-8b7c-9d0e1f2a3b4c";

    @Test
    void lowercases() {
        assertThat(InstanceId.parse(ID.toUpperCase())).hasToString(ID).isEqualTo(new InstanceId(ID));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{" + ID + "}", "0b9f3a6c2d4e4f1a8b7c9d0e1f2a3b4c", "instance-0000002a"})
    void refusesOtherShapesNamingTheDefaultField(String raw) {
        assertThatThrownBy(() -> InstanceId.parse(raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("instance_uuid");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> InstanceId.parse("instance_id", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("instance_id");
    }

    static Stream<String> hostile() {
        return Hostile.around(ID);
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> InstanceId.parse("instance_uuid", "{" + ID + "}"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid instance_uuid \"{" + ID + "}\": contains the shell metacharacter '{'");
    }
}
