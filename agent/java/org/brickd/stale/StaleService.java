package org.brickd.stale;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.brickd.stale.Finding.Action;
import org.brickd.stale.Finding.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * find_stale and cleanup_stale: a fresh snapshot, classified, and (unless a dry run) the
 * plan carried out at once, so that it acts on what the host shows now. While volume
 * operations are in flight, orphan maps and unowned devices are only reported: an attach in
 * progress has devices and a map the ledger does not list yet.
 */
public final class StaleService {

    private static final Logger log = LoggerFactory.getLogger(StaleService.class);

    /** A cleanup: the plan, and what each step came to (empty on a dry run). */
    public record Cleanup(boolean dryRun, List<Finding> plan, List<StaleCleaner.Outcome> outcomes) {
        public Cleanup {
            plan = List.copyOf(plan);
            outcomes = List.copyOf(outcomes);
        }

        /** Every removal in the plan succeeded. */
        public boolean clean() {
            return !dryRun && outcomes.stream().allMatch(StaleCleaner.Outcome::ok);
        }
    }

    private final HostScanner scanner;
    private final StaleCleaner cleaner;
    private final StaleClassifier.Policy policy;
    private final IntSupplier inFlight;

    public StaleService(HostScanner scanner, StaleCleaner cleaner, StaleClassifier.Policy policy, IntSupplier inFlight) {
        this.scanner = scanner;
        this.cleaner = cleaner;
        this.policy = policy;
        this.inFlight = inFlight;
    }

    public List<Finding> find(boolean includeUnowned) {
        return StaleClassifier.classify(scanner.snapshot(), policyFor(includeUnowned));
    }

    public Cleanup cleanup(boolean dryRun, boolean includeUnowned) {
        List<Finding> plan = guard(find(includeUnowned));
        for (Finding f : plan) {
            log.info("stale plan{}: {} {} {} -> {} ({})", dryRun ? " (dry run)" : "", f.kind().wire(),
                    f.device().orElse(""), f.map().orElse(""), f.action().wire(), f.reason());
        }
        if (dryRun) {
            return new Cleanup(true, plan, List.of());
        }
        List<StaleCleaner.Outcome> done = cleaner.apply(plan);
        for (StaleCleaner.Outcome o : done) {
            if (o.ok()) {
                log.info("stale cleanup: {}", o.result());
            } else {
                log.error("stale cleanup FAILED: {}", o.result());
            }
        }
        return new Cleanup(false, plan, done);
    }

    private StaleClassifier.Policy policyFor(boolean includeUnowned) {
        return includeUnowned && !policy.removeUnowned() ? new StaleClassifier.Policy(true, policy.exclude()) : policy;
    }

    /** Orphans and unowned devices are not removed while an operation may be building them. */
    private List<Finding> guard(List<Finding> plan) {
        if (inFlight.getAsInt() == 0) {
            return plan;
        }
        List<Finding> out = new ArrayList<>();
        for (Finding f : plan) {
            boolean mayBeInProgress = f.kind() == Kind.ORPHAN || f.kind() == Kind.UNOWNED;
            out.add(mayBeInProgress && f.removes() ? new Finding(f.kind(), f.device(), f.hctl(), f.map(), f.volumeId(),
                    f.wwidRecorded(), f.wwidNow(), Action.REPORT, f.reason() + " (not removed: a volume operation is in"
                            + " progress and may own it; retry when idle)") : f);
        }
        return out;
    }
}
