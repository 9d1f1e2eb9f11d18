package org.brickd.host;

import com.sun.jna.Library;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.brickd.errors.HostException;

/** {@link Native} over libbrickshim.so, which the build packs into the jar under linux-x86-64/. */
public final class JnaNative implements Native {

    interface Shim extends Library {
        int brick_sg_inquiry(String path, int evpd, int page, byte[] buf, int buflen, int timeoutMs, int[] status);

        long brick_blk_size(String path);

        int brick_blk_flush(String path);

        int brick_uevent_open(int rcvbuf);

        int brick_uevent_recv(int fd, byte[] buf, int buflen, int timeoutMs);

        int brick_close(int fd);

        int brick_peer_cred(int fd, int[] pid, int[] uid, int[] gid);
    }

    private static final int INQUIRY_LEN = 0xfc;
    private static final int UEVENT_BUF = 64 * 1024;
    private static final int UEVENT_RCVBUF = 4 << 20;

    private final Shim shim;

    public JnaNative() {
        try {
            this.shim = com.sun.jna.Native.load("brickshim", Shim.class);
        } catch (UnsatisfiedLinkError e) {
            throw new HostException("cannot load the native shim libbrickshim.so (built into the jar under "
                    + "linux-x86-64/ by 'mvn package'): " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] inquiry(Path device, int vpdPage, Duration timeout) {
        byte[] buf = new byte[INQUIRY_LEN];
        int[] status = new int[6];
        boolean evpd = vpdPage >= 0;
        int n = shim.brick_sg_inquiry(device.toString(), evpd ? 1 : 0, evpd ? vpdPage : 0, buf, buf.length,
                (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()), status);
        if (n < 0) {
            String what = evpd ? String.format("VPD page 0x%02x", vpdPage) : "standard INQUIRY";
            if (n == -5 && (status[0] | status[1] | status[2]) != 0) {
                throw new ScsiCheckException(String.format("%s of %s failed: scsi status 0x%x, host 0x%x, driver 0x%x, "
                        + "sense key 0x%x, asc 0x%02x, ascq 0x%02x", what, device, status[0], status[1], status[2],
                        status[3], status[4], status[5]), status[3], status[4], status[5]);
            }
            throw new HostException(what + " of " + device + " failed: " + Errno.describe(-n));
        }
        return Arrays.copyOf(buf, n);
    }

    @Override
    public long sizeBytes(Path device) {
        long n = shim.brick_blk_size(device.toString());
        if (n < 0) {
            throw new HostException("BLKGETSIZE64 on " + device + " failed: " + Errno.describe((int) -n));
        }
        return n;
    }

    @Override
    public void flushBuffers(Path device) {
        int rc = shim.brick_blk_flush(device.toString());
        if (rc < 0) {
            throw new HostException("flushing buffers of " + device + " failed: " + Errno.describe(-rc));
        }
    }

    @Override
    public UeventSocket openUevents() {
        int fd = shim.brick_uevent_open(UEVENT_RCVBUF);
        if (fd < 0) {
            throw new HostException("cannot open the kernel uevent socket: " + Errno.describe(-fd));
        }
        return new UeventSocket() {
            private final byte[] buf = new byte[UEVENT_BUF];
            private volatile boolean closed;

            @Override
            public byte[] receive(Duration timeout) {
                if (closed) {
                    return null;
                }
                int n = shim.brick_uevent_recv(fd, buf, buf.length, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                if (n < 0) {
                    throw new HostException("reading uevents failed: " + Errno.describe(-n));
                }
                return n == 0 ? null : Arrays.copyOf(buf, n);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    shim.brick_close(fd);
                }
            }
        };
    }

    @Override
    public PeerCred peerCred(int fd) {
        int[] pid = new int[1];
        int[] uid = new int[1];
        int[] gid = new int[1];
        int rc = shim.brick_peer_cred(fd, pid, uid, gid);
        if (rc < 0) {
            throw new HostException("SO_PEERCRED failed: " + Errno.describe(-rc));
        }
        return new PeerCred(pid[0], uid[0], gid[0]);
    }
}
