package org.brickd.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.brickd.connector.StepKind;
import org.brickd.connector.Steps;

/** A step journal in memory for connector tests: "kind detail done|failed", in order. */
public final class RecordedSteps implements Steps {

    private final List<String> steps = new ArrayList<>();

    @Override
    public <T> T call(StepKind kind, String detail, Supplier<T> action) {
        try {
            T r = action.get();
            record(kind + " " + detail + " done");
            return r;
        } catch (RuntimeException e) {
            record(kind + " " + detail + " failed");
            throw e;
        }
    }

    private synchronized void record(String step) {
        steps.add(step);
    }

    public synchronized List<String> all() {
        return List.copyOf(steps);
    }

    /** The kinds alone, in order. */
    public synchronized List<String> kinds() {
        return steps.stream().map(s -> s.substring(0, s.indexOf(' '))).toList();
    }

    public synchronized void clear() {
        steps.clear();
    }
}
