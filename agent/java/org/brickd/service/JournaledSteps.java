package org.brickd.service;

import java.util.function.Supplier;
import org.brickd.connector.StepKind;
import org.brickd.connector.Steps;
import org.brickd.ledger.Ledger;

/**
 * The step journal of one ledger intent: a step's row is committed as intended before the
 * step runs and marked done or failed after. The {@link Watch} hears of each intended step
 * once its row is committed (the daemon's fault point for crash tests).
 */
public final class JournaledSteps implements Steps {

    /** Told of every step once it is recorded as intended, before it runs. */
    @FunctionalInterface
    public interface Watch {
        void intended(String op, StepKind kind);

        /** With what the step acts on (the journal's detail: a device, a map, a portal); brickctl shows it. */
        default void intended(String op, StepKind kind, String detail) {
            intended(op, kind);
        }

        Watch NONE = (op, kind) -> {};
    }

    private final Ledger ledger;
    private final long intent;
    private final String op;
    private final Watch watch;

    public JournaledSteps(Ledger ledger, long intent, String op, Watch watch) {
        this.ledger = ledger;
        this.intent = intent;
        this.op = op;
        this.watch = watch;
    }

    @Override
    public <T> T call(StepKind kind, String detail, Supplier<T> action) {
        long step = ledger.stepIntended(intent, kind.wire(), detail);
        watch.intended(op, kind, detail);
        T result;
        try {
            result = action.get();
        } catch (RuntimeException e) {
            ledger.stepEnded(step, false, String.valueOf(e.getMessage()));
            throw e;
        }
        ledger.stepEnded(step, true, null);
        return result;
    }
}
