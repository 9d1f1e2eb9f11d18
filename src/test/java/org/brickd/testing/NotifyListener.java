package org.brickd.testing;

import com.sun.jna.Library;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Stands in for systemd's notification socket: a unix datagram socket bound to a path or an
 * {@code @abstract} name (the JDK 17 cannot bind one; the native shim's test-only functions do).
 */
public final class NotifyListener implements AutoCloseable {

    interface Shim extends Library {
        int brick_dgram_bind(String socketName);

        int brick_dgram_recv(int fd, byte[] buf, int buflen, int timeoutMs);

        int brick_close(int fd);
    }

    private static final Shim SHIM = com.sun.jna.Native.load("brickshim", Shim.class);

    private final int fd;
    private final byte[] buf = new byte[4096];

    private NotifyListener(int fd) {
        this.fd = fd;
    }

    public static NotifyListener bind(String address) {
        int fd = SHIM.brick_dgram_bind(address);
        if (fd < 0) {
            throw new IllegalStateException("cannot bind a datagram socket at " + address + ": errno " + -fd);
        }
        return new NotifyListener(fd);
    }

    /** The next datagram's text, or null when none came within {@code timeout}. */
    public String receive(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
            int n = SHIM.brick_dgram_recv(fd, buf, buf.length, (int) Math.min(Integer.MAX_VALUE, left));
            if (n < 0) {
                throw new IllegalStateException("receiving a datagram: errno " + -n);
            }
            if (n > 0) {
                return new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            if (left == 0) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        SHIM.brick_close(fd);
    }
}
