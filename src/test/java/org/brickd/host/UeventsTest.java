package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.brickd.errors.DeadlineException;
import org.junit.jupiter.api.Test;

class UeventsTest {

    /** A real kernel datagram for a disk removal, as read from the netlink socket on the bed. */
    static byte[] removeSdb() {
        String s = "remove@/devices/platform/host7/session1/target7:0:0/7:0:0:1/block/sdb\0"
                + "ACTION=remove\0DEVPATH=/devices/platform/host7/session1/target7:0:0/7:0:0:1/block/sdb\0"
                + "SUBSYSTEM=block\0MAJOR=8\0MINOR=16\0DEVNAME=sdb\0DEVTYPE=disk\0DISKSEQ=9\0SEQNUM=2817\0";
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesAKernelUevent() {
        Uevent e = Uevent.parse(removeSdb());

        assertThat(e.isRemove()).isTrue();
        assertThat(e.isDisk("sdb")).isTrue();
        assertThat(e.isDisk("sdc")).isFalse();
        assertThat(e.devpath()).endsWith("/block/sdb");
        assertThat(e.env()).containsEntry("MAJOR", "8").containsEntry("SEQNUM", "2817");
    }

    @Test
    void ignoresUdevFrames() {
        assertThat(Uevent.parse("libudev\0\0\0\0garbage".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    @Test
    void aWaitEndsOnTheEventNotOnThePollInterval() throws Exception {
        try (Uevents events = new Uevents(null, Duration.ofSeconds(30))) {
            AtomicBoolean gone = new AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> events.await("sdb gone", () -> {
                checks.incrementAndGet();
                return gone.get();
            }, Duration.ofSeconds(60)));
            while (checks.get() == 0) {
                Thread.onSpinWait(); // the waiter has checked once and is now parked on its 30 s poll
            }
            gone.set(true);
            long t0 = System.nanoTime();
            events.deliver(Uevent.parse(removeSdb()));
            waiter.get(5, TimeUnit.SECONDS);

            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void withoutEventsTheBoundedPollStillSeesTheChange() throws Exception {
        try (Uevents events = new Uevents(null, Duration.ofMillis(20))) {
            AtomicBoolean ready = new AtomicBoolean();
            CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS).execute(() -> ready.set(true));

            events.await("ready", ready::get, Duration.ofSeconds(10));

            assertThat(ready).isTrue();
        }
    }

    @Test
    void theDeadlineIsAnErrorNamingWhatWasAwaited() {
        try (Uevents events = new Uevents(null, Duration.ofMillis(10))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> events.await("device 6:0:0:1", () -> false, Duration.ofMillis(150)))
                    .isInstanceOf(DeadlineException.class)
                    .hasMessage("timed out after 150 ms waiting for device 6:0:0:1");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
    }

    @Test
    void aSubscriptionKeepsAnEventThatCameBeforeTheAwait() {
        try (Uevents events = new Uevents(null, Duration.ofSeconds(30));
                Uevents.Subscription sub = events.subscribe(e -> e.isRemove() && e.isDisk("sdb"))) {
            events.deliver(Uevent.parse(removeSdb()));

            assertThat(sub.await("sdb removal", Duration.ofMillis(100)).devname()).isEqualTo("sdb");
        }
    }

    @Test
    void readsFromTheSocketThroughTheReaderThread() {
        java.util.concurrent.LinkedBlockingQueue<byte[]> q = new java.util.concurrent.LinkedBlockingQueue<>();
        Native.UeventSocket socket = new Native.UeventSocket() {
            @Override
            public byte[] receive(Duration timeout) {
                try {
                    return q.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return null;
                }
            }

            @Override
            public void close() {}
        };
        try (Uevents events = new Uevents(socket, Duration.ofSeconds(30));
                Uevents.Subscription sub = events.subscribe(Uevent::isRemove)) {
            q.add(removeSdb());

            assertThat(sub.await("removal", Duration.ofSeconds(5)).devname()).isEqualTo("sdb");
            assertThat(events.listening()).isTrue();
        }
    }
}
