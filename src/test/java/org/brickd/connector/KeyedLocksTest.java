package org.brickd.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.brickd.errors.BrickException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Holds {@code key} on another thread until {@code release} counts down; returns once it is held. */
    private CompletableFuture<Void> holdElsewhere(KeyedLocks locks, String key, CountDownLatch release) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try (KeyedLocks.Held h = locks.lock(key)) {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, pool);
        assertThat(held.await(5, TimeUnit.SECONDS)).as(key + " held by the other thread").isTrue();
        return done;
    }

    @Test
    void twoDifferentKeysNeverWaitOnEachOther() throws Exception {
        // no patience at all: any wait on another key would be a BUSY error
        KeyedLocks locks = new KeyedLocks(Duration.ZERO);
        CountDownLatch release = new CountDownLatch(1);
        holdElsewhere(locks, "iscsi-target 127.0.0.1:3260 iqn.2003-01.org.x:a", release);

        try (KeyedLocks.Held other = locks.lock("iscsi-target 127.0.0.1:3260 iqn.2003-01.org.x:b")) {
            assertThat(other).isNotNull();
        } finally {
            release.countDown();
        }
    }

    @Test
    void theSameKeyWaitsUntilItIsReleased() throws Exception {
        KeyedLocks locks = new KeyedLocks(Duration.ofSeconds(10));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = holdElsewhere(locks, "volume v1", release);
        AtomicBoolean released = new AtomicBoolean();

        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
            waiterThread.set(Thread.currentThread());
            try (KeyedLocks.Held h = locks.lock("volume v1")) {
                if (!released.get()) {
                    throw new AssertionError("got the lock while the holder still had it");
                }
            }
        }, pool);
        // bounded: the waiter parks on the lock within a moment of starting
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!parked(waiterThread.get()) && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertThat(parked(waiterThread.get())).as("the second locker waits").isTrue();
        assertThat(waiter).isNotDone();

        released.set(true);
        release.countDown();

        waiter.get(5, TimeUnit.SECONDS);
        holder.get(5, TimeUnit.SECONDS);
    }

    private static boolean parked(Thread t) {
        return t != null && t.getState() == Thread.State.TIMED_WAITING;
    }

    @Test
    void aWaitPastTheDeadlineIsBusyNamingTheKey() throws Exception {
        KeyedLocks locks = new KeyedLocks(Duration.ofMillis(50));
        CountDownLatch release = new CountDownLatch(1);
        holdElsewhere(locks, "iscsi-target 127.0.0.1:3260 iqn.2003-01.org.x:a", release);
        try {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> locks.lock("iscsi-target 127.0.0.1:3260 iqn.2003-01.org.x:a"))
                    .isInstanceOfSatisfying(BrickException.class,
                            e -> assertThat(e.code()).isEqualTo(BrickException.Code.BUSY))
                    .hasMessageContaining("iscsi-target 127.0.0.1:3260 iqn.2003-01.org.x:a")
                    .hasMessageContaining("busy");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        } finally {
            release.countDown();
        }
    }

    @Test
    void entriesAreReleasedSoTheMapDoesNotGrow() throws Exception {
        KeyedLocks locks = new KeyedLocks(Duration.ofMillis(20));
        for (int i = 0; i < 100; i++) {
            locks.lock("volume " + i).close();
        }
        try (KeyedLocks.Held outer = locks.lock("volume x"); KeyedLocks.Held inner = locks.lock("volume x")) {
            assertThat(entries(locks)).as("one entry per held key, however often held").isEqualTo(1);
        }
        // a waiter that gave up leaves no entry either
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = holdElsewhere(locks, "volume y", release);
        assertThatThrownBy(() -> locks.lock("volume y")).isInstanceOf(BrickException.class);
        release.countDown();
        holder.get(5, TimeUnit.SECONDS);

        assertThat(entries(locks)).isZero();
        try (KeyedLocks.Held again = locks.lock("volume y")) {
            assertThat(entries(locks)).isEqualTo(1);
        }
    }

    /** The number of keys the lock table holds (private: read as a heap inspection would). */
    private static int entries(KeyedLocks locks) throws Exception {
        Field f = KeyedLocks.class.getDeclaredField("locks");
        f.setAccessible(true);
        return ((Map<?, ?>) f.get(locks)).size();
    }
}
