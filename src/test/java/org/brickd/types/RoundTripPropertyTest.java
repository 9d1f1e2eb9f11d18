package org.brickd.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Properties over generated valid values, the half of the invariant the fuzzer cannot aim at:
 * every valid value, in every form the host or a caller writes it, parses back to itself.
 * The seed is fixed (override with -Dbrickd.seed=N) and named in every failure.
 */
class RoundTripPropertyTest {

    private static final int CASES = 500;
    private static final long SEED = Long.getLong("brickd.seed", 20261123L);

    private Random random;

    @BeforeEach
    void seed() {
        random = new Random(SEED);
    }

    @Test
    void iqnsRoundTripInAnyCase() {
        for (int i = 0; i < CASES; i++) {
            String raw = "iqn." + (1990 + random.nextInt(40)) + "-" + String.format("%02d", 1 + random.nextInt(12))
                    + "." + label() + "." + label() + (random.nextBoolean() ? ":" + label() + "." + label() : "");
            Iqn iqn = Iqn.parse(mixCase(raw));
            assertThat(iqn.value()).as("seed %d, %s", SEED, raw).isEqualTo(raw);
            assertThat(Iqn.parse(iqn.toString())).as("seed %d", SEED).isEqualTo(iqn);
        }
    }

    @Test
    void ipv6PortalsAreCanonicalAndMeanTheSameAddress() throws Exception {
        for (int i = 0; i < CASES; i++) {
            int[] groups = new int[8];
            int zerosFrom = random.nextInt(8);
            int zeros = random.nextInt(9 - zerosFrom);
            for (int g = 0; g < 8; g++) {
                groups[g] = g >= zerosFrom && g < zerosFrom + zeros ? 0 : random.nextInt(0x10000);
            }
            StringBuilder full = new StringBuilder();
            for (int g = 0; g < 8; g++) {
                full.append(g == 0 ? "" : ":").append(String.format("%04X", groups[g]));
            }
            int port = 1 + random.nextInt(65535);
            Portal portal = Portal.parse("[" + full + "]:" + port);

            assertThat(Portal.parse(portal.toString())).as("seed %d, %s", SEED, full).isEqualTo(portal);
            assertThat(portal.port()).isEqualTo(port);
            // an IPv6 literal is never resolved, so the JDK gives its bytes without DNS
            assertThat(InetAddress.getByName(portal.host()).getAddress()).as("seed %d, %s -> %s", SEED, full, portal.host())
                    .isEqualTo(InetAddress.getByName(full.toString()).getAddress());
            assertThat(portal.host()).as("RFC 5952: lowercase, no leading zeros").isEqualTo(portal.host().toLowerCase(Locale.ROOT))
                    .doesNotContain(":0000").doesNotContain(":::");
        }
    }

    @Test
    void ipv4AndNamePortalsRoundTrip() {
        for (int i = 0; i < CASES; i++) {
            String host = random.nextBoolean()
                    ? random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256)
                    : label() + "." + label();
            Portal portal = Portal.parse(mixCase(host) + (random.nextBoolean() ? "" : ":" + (1 + random.nextInt(65535))));
            assertThat(portal.host()).as("seed %d", SEED).isEqualTo(host);
            assertThat(Portal.parse(portal.iscsiadmForm())).as("seed %d", SEED).isEqualTo(portal);
        }
    }

    @Test
    void fcNamesParseTheSameFromEachForm() {
        for (int i = 0; i < CASES; i++) {
            String hex = String.format("%016x", random.nextLong());
            Wwpn wwpn = Wwpn.parse(mixCase(hex));
            assertThat(wwpn.hex()).as("seed %d", SEED).isEqualTo(hex);
            assertThat(Wwpn.parse(wwpn.withColons().toUpperCase(Locale.ROOT))).isEqualTo(wwpn);
            assertThat(Wwpn.parse(wwpn.with0x())).isEqualTo(wwpn);
            assertThat(Wwnn.parse(wwpn.withColons()).hex()).isEqualTo(hex);
        }
    }

    @Test
    void naaAndEuiWwidsParseTheSameFromKernelUdevAndBareForms() {
        for (int i = 0; i < CASES; i++) {
            boolean six = random.nextBoolean();
            String naa = (six ? "6" : "5") + hexDigits(six ? 31 : 15);
            Wwid w = Wwid.parse("naa." + mixCase(naa));
            assertThat(w.id()).as("seed %d", SEED).isEqualTo(naa);
            assertThat(Wwid.parse(w.udev())).isEqualTo(w);
            assertThat(Wwid.parse(w.kernel())).isEqualTo(w);
            assertThat(Wwid.parse("0x" + naa)).isEqualTo(w);
            assertThat(Wwid.parse(naa)).isEqualTo(w);

            String eui = hexDigits(new int[] {16, 24, 32}[random.nextInt(3)]);
            Wwid e = Wwid.parse("eui." + eui);
            assertThat(Wwid.parse(e.udev())).as("seed %d, eui %s", SEED, eui).isEqualTo(e);
        }
    }

    @Test
    void hctlsAndLunsRoundTrip() {
        for (int i = 0; i < CASES; i++) {
            Hctl h = new Hctl(random.nextInt(Integer.MAX_VALUE), random.nextInt(8), random.nextInt(1024),
                    random.nextLong() & Long.MAX_VALUE);
            assertThat(Hctl.parse(h.toString())).as("seed %d", SEED).isEqualTo(h);

            int value = random.nextInt(Lun.MAX + 1);
            Lun.Addressing mode = Lun.Addressing.values()[random.nextInt(Lun.Addressing.values().length)];
            Lun lun = Lun.fromAddressing("target_lun", value, mode.wire());
            assertThat(lun.value()).isEqualTo(value);
            assertThat(lun.kernelLun() - value).as("seed %d, %s %d", SEED, mode, value).isIn(0L, Lun.FLAT_SPACE);
            assertThat(Lun.parse(Integer.toString(value)).value()).isEqualTo(value);
        }
    }

    @Test
    void blockDevicesRoundTripThroughTheirDevPath() {
        for (int i = 0; i < CASES; i++) {
            String name = random.nextBoolean() ? "sd" + letters(1 + random.nextInt(4)) : "dm-" + random.nextInt(10_000_000);
            BlockDevice d = BlockDevice.parse(name);
            assertThat(BlockDevice.fromDevPath(d.devPath())).as("seed %d", SEED).isEqualTo(d);
            assertThat(d.devPath()).startsWith("/dev/").doesNotContain("..");
        }
    }

    private String label() {
        String first = letters(1);
        int n = random.nextInt(12);
        StringBuilder b = new StringBuilder(first);
        for (int i = 0; i < n; i++) {
            b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
        }
        if (n > 1 && random.nextInt(4) == 0) {
            b.setCharAt(1 + random.nextInt(n - 1), '-');
        }
        return b.toString();
    }

    private String letters(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }

    private String hexDigits(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(Character.forDigit(random.nextInt(16), 16));
        }
        return b.toString();
    }

    private String mixCase(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            b.append(random.nextBoolean() ? Character.toUpperCase(c) : c);
        }
        return b.toString();
    }
}
