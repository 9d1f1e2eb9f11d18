package org.brickd.libvirt;

import static org.brickd.testing.SafeValues.assertClearRefusal;
import static org.brickd.testing.SafeValues.assertHostPath;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.brickd.errors.InvalidInputException;

/**
 * A BDM's device_path or a disk's source dev, arbitrary text: refused naming the field, or a
 * normalised path under /dev that parses back to itself.
 */
class DevicePathFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parse(FuzzedDataProvider data) {
        String raw = data.consumeRemainingAsString();
        DevicePath p;
        try {
            p = DevicePath.parse("data.device_path", raw);
        } catch (InvalidInputException e) {
            assertClearRefusal(e, "data.device_path");
            return;
        }
        assertHostPath("DevicePath", p.value());
        if (!p.value().startsWith("/dev/")) {
            throw new AssertionError("device path outside /dev: " + p.value());
        }
        if (!p.equals(new DevicePath(p.toString()))) {
            throw new AssertionError(p + " does not parse back to itself");
        }
    }
}
