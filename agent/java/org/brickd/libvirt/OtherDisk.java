package org.brickd.libvirt;

import java.util.Optional;

/** A block disk of another domain on this host, for the shared-device check. */
public record OtherDisk(String domain, String targetDev, String sourcePath, Optional<String> serial, boolean shareable) {}
