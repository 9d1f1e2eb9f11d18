package org.brickd.daemon;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.brickd.connector.StepKind;
import org.brickd.errors.InvalidInputException;
import org.brickd.service.JournaledSteps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test and diagnostic facility, off unless {@value #ENV} is set in the daemon's environment
 * (never from the config file, never over the socket): {@code op:kind}, e.g. {@code attach:scan}.
 * When the step journal has committed the first {@code kind} step of an {@code op} intent as
 * intended, the daemon stops itself (SIGSTOP) before the step runs, so a crash test can
 * SIGKILL it exactly at that journal step. {@code op} is attach, attach-multipath, detach or
 * detach-force; attach also matches attach-multipath, detach also detach-force. It fires once.
 */
public final class FaultPoint implements JournaledSteps.Watch {

    public static final String ENV = "BRICKD_FAULT_STOP_AT";

    private static final Logger log = LoggerFactory.getLogger(FaultPoint.class);
    private static final List<String> OPS = List.of("attach", "attach-multipath", "detach", "detach-force");

    private final String op;
    private final StepKind kind;
    private final Runnable stop;
    private final AtomicBoolean fired = new AtomicBoolean();

    FaultPoint(String op, StepKind kind, Runnable stop) {
        this.op = op;
        this.kind = kind;
        this.stop = stop;
    }

    /** The fault point {@value #ENV} names, if set; a value that does not parse stops the start. */
    public static Optional<FaultPoint> fromEnvironment(Map<String, String> env, Runnable stop) {
        String spec = env.get(ENV);
        if (spec == null || spec.isEmpty()) {
            return Optional.empty();
        }
        FaultPoint f = parse(spec, stop);
        log.error("*** {}={} is set: this daemon will STOP ITSELF (SIGSTOP) at the first '{}' step of a '{}' intent."
                + " This is a crash-test facility; never set it in production. ***", ENV, spec, f.kind, f.op);
        return Optional.of(f);
    }

    static FaultPoint parse(String spec, Runnable stop) {
        int colon = spec.indexOf(':');
        String op = colon < 0 ? spec : spec.substring(0, colon);
        String kind = colon < 0 ? "" : spec.substring(colon + 1);
        if (!OPS.contains(op)) {
            throw new InvalidInputException(ENV, spec, "expected OP:STEP with OP one of " + OPS);
        }
        StepKind k = StepKind.of(kind).orElseThrow(() -> new InvalidInputException(ENV, spec,
                "expected OP:STEP with STEP one of " + Arrays.toString(StepKind.values())));
        return new FaultPoint(op, k, stop);
    }

    @Override
    public void intended(String intentOp, StepKind stepKind) {
        if (stepKind != kind || !(intentOp.equals(op) || intentOp.startsWith(op + "-"))
                || !fired.compareAndSet(false, true)) {
            return;
        }
        log.error("*** fault point {}:{} reached (intent {}): the step is journaled as intended; stopping ***", op, kind,
                intentOp);
        stop.run();
    }
}
