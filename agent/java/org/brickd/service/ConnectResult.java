package org.brickd.service;

import java.util.List;
import java.util.Optional;
import org.brickd.types.Wwid;

/** The os-brick-shaped answer of connect_volume, plus what brickd adds (degraded paths). */
public record ConnectResult(String path, Wwid wwid, Optional<String> multipathId, List<String> failedPaths,
        boolean reused) {}
