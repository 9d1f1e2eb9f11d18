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

class PortalTest {

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:3260,          127.0.0.1,        3260,  false, 127.0.0.1:3260",
        "10.0.0.1,                10.0.0.1,         3260,  false, 10.0.0.1:3260",
        "0.0.0.0:1,               0.0.0.0,          1,     false, 0.0.0.0:1",
        "255.255.255.255:65535,   255.255.255.255,  65535, false, 255.255.255.255:65535",
        "Storage.Example.COM:3261, storage.example.com, 3261, false, storage.example.com:3261",
        "localhost,               localhost,        3260,  false, localhost:3260",
        "a-b.c1,                  a-b.c1,           3260,  false, a-b.c1:3260",
        "1.2.3.com,               1.2.3.com,        3260,  false, 1.2.3.com:3260",
        "[fe80::1]:3260,          fe80::1,          3260,  true,  [fe80::1]:3260",
        "[::1],                   ::1,              3260,  true,  [::1]:3260",
        "[::]:860,                ::,               860,   true,  [::]:860",
        "[1::],                   1::,              3260,  true,  [1::]:3260",
    })
    void acceptsEachHostForm(String raw, String host, int port, boolean ipv6, String canonical) {
        Portal p = Portal.parse(raw);
        assertThat(p.host()).isEqualTo(host);
        assertThat(p.port()).isEqualTo(port);
        assertThat(p.isIpv6()).isEqualTo(ipv6);
        assertThat(p.toString()).isEqualTo(canonical);
        assertThat(p.iscsiadmForm()).isEqualTo(canonical);
    }

    /** RFC 5952 canonical text, whatever form the address came in. */
    @ParameterizedTest
    @CsvSource({
        "[FE80:0000:0000:0000:0000:0000:0000:0001],  [fe80::1]:3260",
        "[2001:0db8:0000:0000:0000:ff00:0042:8329],  [2001:db8::ff00:42:8329]:3260",
        "[2001:db8:0:0:1:0:0:1]:3261,                [2001:db8::1:0:0:1]:3261",
        "[2001:db8:0:1:0:0:0:1],                     [2001:db8:0:1::1]:3260",
        "[1:0:3:4:5:6:7:8],                          [1:0:3:4:5:6:7:8]:3260",
        "[1:2:3:4:5:6:7:8],                          [1:2:3:4:5:6:7:8]:3260",
        "[0:0:0:0:0:0:0:0],                          [::]:3260",
        "[::ffff:10.0.0.1]:3260,                     [::ffff:10.0.0.1]:3260",
        "[::FFFF:a00:1],                             [::ffff:10.0.0.1]:3260",
        "[64:ff9b::192.0.2.33],                      [64:ff9b::c000:221]:3260",
        "[1:2:3:4:5:6:1.2.3.4],                      [1:2:3:4:5:6:102:304]:3260",
        "[1:2:3:4:5:6:7::],                          [1:2:3:4:5:6:7:0]:3260",
    })
    void writesIpv6Canonically(String raw, String canonical) {
        assertThat(Portal.parse(raw).toString()).isEqualTo(canonical);
    }

    @Test
    void equalityIsOnTheCanonicalForm() {
        assertThat(Portal.parse("10.0.0.1")).isEqualTo(Portal.parse("10.0.0.1:3260"));
        assertThat(Portal.parse("[FE80:0::1]")).isEqualTo(Portal.parse("[fe80::0001]:3260"))
                .hasSameHashCodeAs(Portal.parse("[fe80::1]:3260"));
        assertThat(new Portal("FE80:0:0::1", 3260)).isEqualTo(Portal.parse("[fe80::1]"));
        assertThat(Portal.parse("10.0.0.1:3261")).isNotEqualTo(Portal.parse("10.0.0.1:3260"));
    }

    @Test
    void longestHostNameFits() {
        String label = "a".repeat(63);
        String host = label + "." + label + "." + label + "." + "b".repeat(61);
        assertThat(host).hasSize(253);
        assertThat(Portal.parse(host + ":65535").host()).isEqualTo(host);
        assertThatThrownBy(() -> Portal.parse("target_portal", "c" + host))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_portal");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "256.0.0.1:3260",
        "1.2.3.256",
        "1.2.3:3260",
        "1.2.3.4.5",
        "01.2.3.4",
        "1.2.3.04",
        "1.2.3.4:0",
        "1.2.3.4:65536",
        "1.2.3.4:99999",
        "1.2.3.4:-1",
        "1.2.3.4:03260",
        "1.2.3.4:",
        "1.2.3.4:32a",
        ":3260",
        "fe80::1",
        "fe80::1:3260",
        "[fe80::1%eth0]:3260",
        "[fe80::1",
        "fe80::1]",
        "[10.0.0.1]:3260",
        "[fe80::1]3260",
        "[fe80::1]:",
        "[]:3260",
        "[1:2:3:4:5:6:7:8:9]",
        "[1:2:3:4:5:6:7]",
        "[1::2::3]",
        "[1:::2]",
        "[12345::1]",
        "[:1:2:3:4:5:6:7]",
        "[1:2:3:4:5:6:7:]",
        "[g::1]",
        "[::1.2.3.256]",
        "[::1.2.3]",
        "[1.2.3.4::]",
        "[::1.2.3.4:5]",
        "[1:2:3:4:5:6:7:1.2.3.4]",
        "-host.example.com",
        "host-.example.com",
        "host_name.example.com",
        "host.example.com.",
        ".example.com",
    })
    void refusesMalformedPortals(String raw) {
        assertThatThrownBy(() -> Portal.parse("target_portal", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_portal");
    }

    @Test
    void refusesALabelOver63Characters() {
        assertThatThrownBy(() -> Portal.parse("a".repeat(64) + ".com"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("RFC 1123");
    }

    @Test
    void constructorChecksPortRange() {
        assertThatThrownBy(() -> new Portal("10.0.0.1", 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Portal("10.0.0.1", 65536)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Portal("[fe80::1]", 3260)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @MethodSource("hostile")
    void refusesHostileInput(String raw) {
        assertThatThrownBy(() -> Portal.parse("target_portal", raw))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("target_portal");
    }

    static Stream<String> hostile() {
        return Stream.concat(Hostile.around("10.0.0.1:3260"), Hostile.around("[fe80::1]:3260"));
    }

    @Test
    void errorNamesTheFieldAndShowsTheEscapedValue() {
        assertThatThrownBy(() -> Portal.parse("target_portals[1]", "10.0.0.1:3260\n"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid target_portals[1] \"10.0.0.1:3260\\x0a\": contains a control character");
        assertThatThrownBy(() -> Portal.parse("target_portal", "10.0.0.1:65536"))
                .hasMessage("invalid target_portal \"10.0.0.1:65536\": has port '65536'; expected a number 1..65535");
    }
}
