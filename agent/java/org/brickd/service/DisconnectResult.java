package org.brickd.service;

import java.util.List;

/**
 * What disconnect_volume did. {@code stillUsedBy} lists the instances that keep the
 * volume's devices (multiattach): then nothing was removed from the host.
 */
public record DisconnectResult(List<String> removed, List<String> leftovers, List<String> errors,
        List<String> stillUsedBy, boolean alreadyGone, boolean fenced) {

    public boolean clean() {
        return leftovers.isEmpty();
    }
}
