package org.brickd.host;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The syscalls the JDK does not offer, behind one small seam. {@link JnaNative} calls
 * native-shim/ through JNA; unit tests substitute a fake that answers from the fake root.
 */
public interface Native {

    /** Standard INQUIRY data (page &lt; 0) or a VPD page, read from the device through SG_IO. */
    byte[] inquiry(Path device, int vpdPage, Duration timeout);

    /** BLKGETSIZE64. */
    long sizeBytes(Path device);

    /** fsync + BLKFLSBUF. */
    void flushBuffers(Path device);

    /** A kernel uevent socket (NETLINK_KOBJECT_UEVENT). */
    UeventSocket openUevents();

    /** Peer credentials of a connected unix socket (fd), for the audit log. */
    PeerCred peerCred(int fd);

    record PeerCred(int pid, int uid, int gid) {}

    /** A source of raw uevent datagrams. */
    interface UeventSocket extends AutoCloseable {
        /** One datagram, or null when none came within the timeout. */
        byte[] receive(Duration timeout);

        @Override
        void close();
    }
}
