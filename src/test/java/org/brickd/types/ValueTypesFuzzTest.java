package org.brickd.types;

import static org.brickd.testing.SafeValues.assertClearRefusal;
import static org.brickd.testing.SafeValues.assertHostPath;
import static org.brickd.testing.SafeValues.assertSafeText;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.brickd.errors.InvalidInputException;
import org.brickd.testing.SafeValues.Extra;

/**
 * Every value type's parse and canonical constructor, fed arbitrary text: either a refusal
 * naming the field, or a value whose host-facing renderings are safe and parse back to it.
 * Plain {@code mvn test} replays {@code ValueTypesFuzzTestInputs/}; bench/fuzz fuzzes.
 */
class ValueTypesFuzzTest {

    private static final String FIELD = "fuzzed_field";

    @FuzzTest(maxDuration = "5m")
    void parse(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 12);
        String raw = data.consumeRemainingAsString();
        try {
            check(which, raw);
        } catch (InvalidInputException e) {
            assertClearRefusal(e, switch (which) {
                case 10 -> Iqn.FIELD;
                case 11 -> Portal.FIELD;
                case 12 -> Wwid.FIELD;
                default -> FIELD;
            });
        }
    }

    private static void check(int which, String raw) {
        switch (which) {
            case 0 -> iqn(Iqn.parse(FIELD, raw));
            case 1 -> portal(Portal.parse(FIELD, raw));
            case 2 -> wwpn(Wwpn.parse(FIELD, raw));
            case 3 -> wwnn(Wwnn.parse(FIELD, raw));
            case 4 -> lun(Lun.parse(FIELD, raw));
            case 5 -> hctl(Hctl.parse(FIELD, raw));
            case 6 -> wwid(Wwid.parse(FIELD, raw));
            case 7 -> uuid(VolumeId.parse(FIELD, raw).value(), InstanceId.parse(FIELD, raw).value());
            case 8 -> blockDevice(BlockDevice.parse(FIELD, raw));
            case 9 -> blockDevice(BlockDevice.fromDevPath(FIELD, raw));
            case 10 -> iqn(new Iqn(raw));
            case 11 -> portal(new Portal(raw, Portal.DEFAULT_PORT));
            default -> wwid(new Wwid(Wwid.Type.T10, raw));
        }
    }

    private static void iqn(Iqn v) {
        assertSafeText("Iqn", v.value());
        same(v, Iqn.parse(v.value()));
    }

    private static void portal(Portal v) {
        assertSafeText("Portal host", v.host());
        assertSafeText("Portal", v.iscsiadmForm(), Extra.BRACKETS);
        same(v, Portal.parse(v.toString()));
    }

    private static void wwpn(Wwpn v) {
        assertSafeText("Wwpn", v.hex());
        assertSafeText("Wwpn", v.with0x());
        same(v, Wwpn.parse(v.withColons()));
        same(v, Wwpn.parse(v.with0x()));
    }

    private static void wwnn(Wwnn v) {
        assertSafeText("Wwnn", v.hex());
        same(v, Wwnn.parse(v.withColons()));
        same(v, Wwnn.parse(v.with0x()));
    }

    private static void lun(Lun v) {
        assertSafeText("Lun", v.scanToken());
        same(v, Lun.parse(Integer.toString(v.value())));
    }

    private static void hctl(Hctl v) {
        assertSafeText("Hctl", v.toString());
        assertSafeText("Hctl scan line", v.scanLine(), Extra.SPACE);
        assertHostPath("Hctl", "/sys/class/scsi_device/" + v + "/device");
        same(v, Hctl.parse(v.toString()));
    }

    private static void wwid(Wwid v) {
        assertSafeText("Wwid kernel form", v.kernel(), Extra.SPACE);
        assertSafeText("Wwid udev form", v.udev());
        same(v, Wwid.parse(v.kernel()));
        // Documented ambiguity: udev writes a T10 id as "1" + text, so an all-hex T10 text reads back as a
        // hex (NAA/EUI) id or is refused; it never matches, which fails identity checks safe (a mismatch).
        boolean ambiguous = v.type() == Wwid.Type.T10 && Check.isLowerHex(v.udev().toLowerCase(java.util.Locale.ROOT));
        Wwid fromUdev;
        try {
            fromUdev = Wwid.parse(v.udev());
        } catch (InvalidInputException e) {
            if (ambiguous) {
                return;
            }
            throw new AssertionError("udev form of " + v + " does not parse back: " + e.getMessage(), e);
        }
        if (!fromUdev.matches(v) && !(ambiguous && fromUdev.type() != Wwid.Type.T10)) {
            throw new AssertionError("udev form of " + v + " parses to " + fromUdev);
        }
    }

    private static void uuid(String volume, String instance) {
        assertSafeText("VolumeId", volume);
        assertSafeText("InstanceId", instance);
        same(volume, VolumeId.parse(volume).value());
    }

    private static void blockDevice(BlockDevice v) {
        assertSafeText("BlockDevice", v.name());
        assertHostPath("BlockDevice", v.devPath());
        assertHostPath("BlockDevice sysfs", "/sys/block/" + v.name());
        same(v, BlockDevice.fromDevPath(v.devPath()));
        same(v, BlockDevice.parse(v.name()));
    }

    static void same(Object parsed, Object reparsed) {
        if (!parsed.equals(reparsed)) {
            throw new AssertionError(parsed + " renders to text that parses to " + reparsed);
        }
    }
}
