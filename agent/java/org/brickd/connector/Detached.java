package org.brickd.connector;

import java.util.List;

/**
 * What a disconnect did: what it removed, what it could not remove (leftovers), and the
 * errors it met on the way (with {@code force} the cleanup goes on past them).
 */
public record Detached(List<String> removed, List<String> leftovers, List<String> errors, boolean alreadyGone) {

    public Detached {
        removed = List.copyOf(removed);
        leftovers = List.copyOf(leftovers);
        errors = List.copyOf(errors);
    }

    /** Nothing of the volume remains on the host. */
    public boolean clean() {
        return leftovers.isEmpty();
    }
}
