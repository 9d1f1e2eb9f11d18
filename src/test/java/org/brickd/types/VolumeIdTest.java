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

class VolumeIdTest {

    private static final String ID = "6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6b";

    @ParameterizedTest
    @ValueSource(strings = {ID, "6F8C1B2E-8A3D-4E5F-9A0B-1C2D3E4F5A6B", "6f8c1B2E-8a3D-4e5F-9A0b-1c2d3E4F5a6B"})
    void acceptsAnyCaseAndLowercases(String raw) {
        VolumeId v = VolumeId.parse(raw);
        assertThat(v.value()).isEqualTo(ID);
        assertThat(v).hasToString(ID).isEqualTo(new VolumeId(ID)).hasSameHashCodeAs(new VolumeId(ID));
    }

    @Test
    void aVolumeIdIsNeverEqualToAnInstanceIdWithTheSameUuid() {
        assertThat((Object) VolumeId.parse(ID)).isNotEqualTo(InstanceId.parse(ID));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6b}",
        "urn:uuid:6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6b",
        "6f8c1b2e8a3d4e5f9a0b1c2d3e4f5a6b",
        "6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6",
        "6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6bc",
        "6f8c1b2e-8a3d-4e5f-9a0b1-c2d3e4f5a6b",
        "6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6g",
        "6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6b-",
        "6f8c1b2e_8a3d_4e5f_9a0b_1c2d3e4f5a6b",
        "volume-6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6b",
    })
    void refusesOtherShapes(String raw) {
        assertThatThrownBy(() -> VolumeId.parse("volume_id", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("volume_id");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> VolumeId.parse("volume_id", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("volume_id");
    }

    static Stream<String> hostile() {
        return Hostile.around(ID);
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> VolumeId.parse("volume_id", "6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6g"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid volume_id \"6f8c1b2e-8a3d-4e5f-9a0b-1c2d3e4f5a6g\":"
                        + " is not a UUID (8-4-4-4-12 hex digits)");
        assertThatThrownBy(() -> VolumeId.parse(ID + "\n"))
                .hasMessage("invalid volume_id \"" + ID + "\\x0a\": contains a control character");
    }
}
