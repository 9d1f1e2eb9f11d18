package org.brickd.host;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's SO_PEERCRED (pid, uid, gid, one getsockopt) of a connected unix
 * {@link SocketChannel}. The JDK's own SO_PEERCRED option answers names only, without the
 * pid, so the channel's descriptor is read from its implementation (sun.nio.ch, opened to
 * this code by {@value #OPEN_FLAG}) and handed to the native shim. Without the flag every
 * answer is empty, and that is logged once, when this object is made.
 */
public final class PeerCredentials {

    public static final String OPEN_FLAG = "--add-opens java.base/sun.nio.ch=ALL-UNNAMED";

    private static final Logger LOG = LoggerFactory.getLogger(PeerCredentials.class);

    private final Native nat;
    private final Method fdVal;

    public PeerCredentials(Native nat) {
        this.nat = nat;
        this.fdVal = descriptorReader();
    }

    /** True when the descriptor of an accepted channel can be read, so {@link #of} answers. */
    public boolean available() {
        return fdVal != null;
    }

    /** The peer's pid, uid and gid; empty when the descriptor is out of reach (flag missing). */
    public Optional<Native.PeerCred> of(SocketChannel channel) {
        if (fdVal == null || !fdVal.getDeclaringClass().isInstance(channel)) {
            return Optional.empty();
        }
        int fd;
        try {
            fd = (Integer) fdVal.invoke(channel);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("reading the descriptor of " + channel + ": " + e, e);
        }
        return Optional.of(nat.peerCred(fd));
    }

    private static Method descriptorReader() {
        try {
            Method m = Class.forName("sun.nio.ch.SocketChannelImpl").getDeclaredMethod("getFDVal");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // InaccessibleObjectException without the flag; anything else: a JDK that moved the method
            LOG.warn("peer pids are not audited (pid=-1): start the JVM with {} to let brickd read a connection's "
                    + "descriptor ({})", OPEN_FLAG, e.toString());
            return null;
        }
    }
}
