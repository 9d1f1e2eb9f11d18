package org.brickd.host;

import com.sun.jna.Library;
import java.nio.charset.StandardCharsets;
import org.brickd.errors.HostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link SystemdNotify} through the native shim's datagram send (the JDK 17 has no unix datagram sockets). */
final class JnaSystemdNotify implements SystemdNotify {

    interface Shim extends Library {
        int brick_sd_notify(String socketName, byte[] msg, int msglen);
    }

    private static final Logger LOG = LoggerFactory.getLogger(JnaSystemdNotify.class);

    private final Shim shim;
    private final String address;

    /** {@code address} as {@link SystemdNotify#parseAddress} accepts it. */
    JnaSystemdNotify(String address) {
        this.address = SystemdNotify.parseAddress(address);
        try {
            this.shim = com.sun.jna.Native.load("brickshim", Shim.class);
        } catch (UnsatisfiedLinkError e) {
            throw new HostException("cannot load the native shim libbrickshim.so: " + e.getMessage(), e);
        }
    }

    @Override
    public void send(String state) {
        byte[] msg = state.getBytes(StandardCharsets.UTF_8);
        int rc = shim.brick_sd_notify(address, msg, msg.length);
        if (rc < 0) {
            LOG.warn("cannot notify the service manager at {} ({}): {}", address,
                    state.replace('\n', ' '), Errno.describe(-rc));
        } else {
            LOG.debug("notified the service manager: {}", state.replace('\n', ' '));
        }
    }
}
