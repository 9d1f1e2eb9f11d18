package org.brickd.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.brickd.errors.DeadlineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting for the kernel: a condition is re-checked whenever a uevent arrives and,
 * as a fallback for events that are missed or never sent, on a bounded poll interval,
 * until a deadline. There is no fixed sleep: a wait ends as soon as its condition holds.
 *
 * <p>One reader thread per daemon drains the netlink socket; waiters never read it.
 * Without a socket (no permission, unit tests) every wait degrades to the bounded poll.
 */
public final class Uevents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Uevents.class);
    private static final Duration READ_SLICE = Duration.ofMillis(500);

    private final Native.UeventSocket socket;
    private final Duration pollInterval;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean running = true;
    private long generation;

    /** @param socket the uevent source, or null to wait by polling only */
    public Uevents(Native.UeventSocket socket, Duration pollInterval) {
        this.socket = socket;
        this.pollInterval = pollInterval;
        if (socket != null) {
            reader = new Thread(this::readLoop, "uevents");
            reader.setDaemon(true);
            reader.start();
        } else {
            reader = null;
        }
    }

    /** Opens the kernel socket through {@code nat}; falls back to polling (and says so) if it cannot. */
    public static Uevents open(Native nat, Duration pollInterval) {
        try {
            return new Uevents(nat.openUevents(), pollInterval);
        } catch (RuntimeException e) {
            log.warn("uevents unavailable, waits fall back to polling every {} ms: {}",
                    pollInterval.toMillis(), e.getMessage());
            return new Uevents(null, pollInterval);
        }
    }

    public boolean listening() {
        return socket != null;
    }

    /**
     * Returns once {@code condition} holds; throws {@link DeadlineException} naming
     * {@code what} when it still does not hold at the deadline.
     */
    public void await(String what, BooleanSupplier condition, Duration deadline) {
        if (!awaitQuietly(condition, deadline)) {
            throw new DeadlineException("timed out after " + deadline.toMillis() + " ms waiting for " + what);
        }
    }

    /** As {@link #await} but answers false at the deadline instead of throwing. */
    public boolean awaitQuietly(BooleanSupplier condition, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            long seen;
            lock.lock();
            try {
                seen = generation;
            } finally {
                lock.unlock();
            }
            if (condition.getAsBoolean()) {
                return true;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            lock.lock();
            try {
                long slice = Math.min(left, pollInterval.toNanos());
                while (generation == seen && slice > 0) {
                    slice = arrived.awaitNanos(slice);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeadlineException("interrupted while waiting");
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Starts recording events that match; subscribe before acting so an event that
     * arrives before {@link Subscription#await} is not lost.
     */
    public Subscription subscribe(Predicate<Uevent> filter) {
        Subscription s = new Subscription(filter);
        subscriptions.add(s);
        return s;
    }

    /** Feeds one event in, as the reader thread does; used by tests that script the kernel. */
    public void deliver(Uevent e) {
        for (Subscription s : subscriptions) {
            s.offer(e);
        }
        lock.lock();
        try {
            generation++;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void readLoop() {
        try {
            readUntilClosed();
        } finally {
            socket.close();
        }
    }

    private void readUntilClosed() {
        while (running) {
            try {
                byte[] data = socket.receive(READ_SLICE);
                if (data != null) {
                    Uevent e = Uevent.parse(data);
                    if (e != null) {
                        deliver(e);
                    }
                }
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("uevent reader stopped, waits fall back to polling: {}", e.getMessage());
                }
                return;
            }
        }
    }

    /**
     * Stops the reader without waiting for it: it sees the flag within one read slice and
     * closes the socket itself (a brickctl run would otherwise wait up to a slice to exit).
     */
    @Override
    public void close() {
        running = false;
    }

    /** Events matching a filter, collected from the moment of subscribing. */
    public final class Subscription implements AutoCloseable {
        private final Predicate<Uevent> filter;
        private final List<Uevent> seen = new ArrayList<>();

        private Subscription(Predicate<Uevent> filter) {
            this.filter = filter;
        }

        private void offer(Uevent e) {
            if (filter.test(e)) {
                synchronized (seen) {
                    seen.add(e);
                }
            }
        }

        public List<Uevent> seen() {
            synchronized (seen) {
                return List.copyOf(seen);
            }
        }

        /** The first matching event, waiting for it up to the deadline. */
        public Uevent await(String what, Duration deadline) {
            Uevents.this.await(what, () -> !seen().isEmpty(), deadline);
            return seen().get(0);
        }

        @Override
        public void close() {
            subscriptions.remove(this);
        }
    }
}
