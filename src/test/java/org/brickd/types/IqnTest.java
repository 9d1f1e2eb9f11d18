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

class IqnTest {

    @ParameterizedTest
    @CsvSource({
        "iqn.2010-10.org.openstack:volume-00000001,  iqn.2010-10.org.openstack:volume-00000001,  IQN",
        "IQN.1994-05.COM.RedHat:ABC123,               iqn.1994-05.com.redhat:abc123,               IQN",
        "iqn.2003-01.org.linux-iscsi.host.x8664:sn.abcdef, iqn.2003-01.org.linux-iscsi.host.x8664:sn.abcdef, IQN",
        "iqn.1992-08.com.netapp:sn.1234:vs.5,         iqn.1992-08.com.netapp:sn.1234:vs.5,         IQN",
        "iqn.2001-04.com.example,                     iqn.2001-04.com.example,                     IQN",
        "iqn.2001-04.com.example:storage:disk-sn-a8675309, iqn.2001-04.com.example:storage:disk-sn-a8675309, IQN",
        "eui.02004567A425678D,                        eui.02004567a425678d,                        EUI",
        "naa.52004567BA64678D,                        naa.52004567ba64678d,                        NAA",
        "naa.6001405AAAAAAAA00004000800000000,        naa.6001405aaaaaaaa00004000800000000,        NAA",
    })
    void acceptsEachFormatAndLowercases(String raw, String canonical, Iqn.Format format) {
        Iqn iqn = Iqn.parse(raw);
        assertThat(iqn.toString()).isEqualTo(canonical);
        assertThat(iqn.value()).isEqualTo(canonical);
        assertThat(iqn.format()).isEqualTo(format);
    }

    @Test
    void namesDifferingOnlyInCaseAreEqual() {
        Iqn lower = Iqn.parse("iqn.2010-10.org.openstack:vol1");
        Iqn upper = Iqn.parse("IQN.2010-10.ORG.OPENSTACK:VOL1");
        assertThat(upper).isEqualTo(lower).hasSameHashCodeAs(lower);
        assertThat(new Iqn("Iqn.2010-10.Org.OpenStack:Vol1")).isEqualTo(lower);
    }

    @Test
    void acceptsExactlyTheMaximumLength() {
        String prefix = "iqn.2010-10.org.x:";
        String longest = prefix + "a".repeat(Iqn.MAX_LENGTH - prefix.length());
        assertThat(Iqn.parse(longest).value()).hasSize(223);
        assertThatThrownBy(() -> Iqn.parse("target_iqn", longest + "a"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_iqn")
                .hasMessageContaining("at most 223");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "iqn.2010-13.org.openstack:vol",  // month 13
        "iqn.2010-00.org.openstack:vol",  // month 0
        "iqn.10-10.org.openstack:vol",    // two-digit year
        "iqn.2010-1.org.openstack:vol",   // one-digit month
        "iqn.2010-10",                    // no naming authority
        "iqn.2010-10.:vol",
        "iqn.2010-10.-org.x:vol",         // label starts with '-'
        "iqn.2010-10.org_x:vol",          // underscore
        "iqn.2010-10.org.x:vol_1",
        "iqn.2010-10.org.x:",             // empty suffix
        "iqn.2010-10.org.x:vol=1",
        "iqn.2010-10.org.x:vol+1",
        "iqn.2010-10.org.x:vol,1",
        "iqn.2010-10.org.x:vol@1",
        "iqn.2010-10.org.x:vol%1",
        "eui.02004567a425678",            // 15 hex
        "eui.02004567a425678d0",          // 17 hex
        "eui.02004567a425678g",
        "naa.52004567ba64678",            // 15 hex
        "naa.52004567ba64678d52004567",   // 24 hex
        "iscsi.2010-10.org.x:vol",
        "2010-10.org.x:vol",
        "iqn",
    })
    void refusesMalformedNames(String raw) {
        assertThatThrownBy(() -> Iqn.parse("target_iqn", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_iqn");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Iqn.parse("target_iqn", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_iqn");
    }

    static Stream<String> hostile() {
        return Hostile.around("iqn.2010-10.org.openstack:volume-1");
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Iqn.parse("initiator_iqn", "iqn.2010-10.org.x:a\u0000b"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid initiator_iqn \"iqn.2010-10.org.x:a\\x00b\": contains a control character");
        assertThatThrownBy(() -> Iqn.parse(null))
                .hasMessage("invalid target_iqn (missing): is missing");
    }
}
