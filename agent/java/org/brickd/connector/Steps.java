package org.brickd.connector;

import java.util.function.Supplier;

/**
 * The step journal of one volume operation: each host-changing step is recorded as intended
 * before it runs and as done or failed after, so a restart knows how far a crash got.
 * Passed explicitly down to where the host is changed (multipath brings paths up on worker
 * threads); implementations are safe for concurrent steps. {@code detail} names what the
 * step touches (portal, target, address, device) and never a secret.
 */
public interface Steps {

    /** Runs {@code action} as one journaled step and answers its result. */
    <T> T call(StepKind kind, String detail, Supplier<T> action);

    /** Runs {@code action} as one journaled step. */
    default void run(StepKind kind, String detail, Runnable action) {
        call(kind, detail, () -> {
            action.run();
            return null;
        });
    }

    /** No journal: for callers without an intent (tools, tests, extend). */
    Steps NONE = new Steps() {
        @Override
        public <T> T call(StepKind kind, String detail, Supplier<T> action) {
            return action.get();
        }
    };
}
