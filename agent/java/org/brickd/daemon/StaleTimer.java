package org.brickd.daemon;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.brickd.stale.StaleService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stale-device scan at start and every {@code stale_scan_interval}: report-only unless
 * {@code stale_cleanup_on_timer}. A failed run is logged as an error and the next one runs
 * on schedule.
 */
public final class StaleTimer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StaleTimer.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stale-scan");
        t.setDaemon(true);
        return t;
    });

    private final AtomicLong scans = new AtomicLong();

    public StaleTimer(StaleService stale, Duration interval, boolean remove) {
        timer.scheduleWithFixedDelay(() -> {
            runOnce(stale, remove);
            scans.incrementAndGet();
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("stale-device scan every {} s ({})", interval.toSeconds(), remove ? "removing what it finds"
                : "report only");
    }

    private static void runOnce(StaleService stale, boolean remove) {
        try {
            StaleService.Cleanup c = stale.cleanup(!remove, false);
            if (c.plan().isEmpty()) {
                log.info("stale-device scan: nothing stale, orphaned, unowned or drifted");
            } else {
                log.warn("stale-device scan: {} finding(s){}", c.plan().size(),
                        remove ? (c.clean() ? ", all handled" : ", some could not be removed") : " (report only)");
            }
        } catch (RuntimeException e) { // logged in full; the next scan runs on schedule
            log.error("stale-device scan failed: {}", e.getMessage(), e);
        }
    }

    /** Scans run so far, failed ones included. */
    public long scans() {
        return scans.get();
    }

    /** Stops the schedule and waits (bounded) for a scan under way, so that nothing it does outlives the daemon's wiring. */
    @Override
    public void close() {
        timer.shutdown();
        try {
            if (!timer.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("stale-device scan still running after 30 s; interrupting it");
                timer.shutdownNow();
            }
        } catch (InterruptedException e) {
            timer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
