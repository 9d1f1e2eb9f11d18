package org.brickd.libvirt;

import java.util.Optional;

/** The host block device (major:minor) a /dev path resolves to; empty when it is not one. */
@FunctionalInterface
public interface DeviceNumbers {
    Optional<String> of(String devPath);
}
