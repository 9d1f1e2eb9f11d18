package org.brickd.host;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;

/**
 * {@link Mpathcmd} over libmpathcmd.so.0 (Debian: package multipath-tools, /lib). One
 * connection per command: multipathd serves each client in turn, a connection costs a
 * socket() and connect() on a local socket, and nothing is left half-read after a timeout.
 */
public final class JnaMpathcmd implements Mpathcmd {

    /** The C API of mpath_cmd.h (multipath-tools 0.9.4). */
    interface Lib extends Library {
        /** Connects; nonblocking=1 makes a full listen backlog fail with EAGAIN instead of blocking. */
        int __mpath_connect(int nonblocking);

        int mpath_disconnect(int fd);

        /** 0 and *reply (malloc'ed, to be freed, may be NULL) on success; -1 and errno on failure. */
        int mpath_process_cmd(int fd, String cmd, PointerByReference reply, int timeoutMs);
    }

    static final String LIBRARY = "libmpathcmd.so.0";
    private static final String SOCKET = "@/org/kernel/linux/storage/multipathd";
    private static final int EAGAIN = 11;
    private static final int ENOENT = 2;
    private static final int ECONNREFUSED = 111;
    private static final int ETIMEDOUT = 110;
    /** mpath_cmd.h MAX_REPLY_LEN. */
    private static final long MAX_REPLY = 32L << 20;

    private final Lib lib;

    public JnaMpathcmd() {
        try {
            this.lib = com.sun.jna.Native.load(LIBRARY, Lib.class);
        } catch (UnsatisfiedLinkError e) {
            throw new HostException("cannot load " + LIBRARY + " (package multipath-tools or libmpathcmd0): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String channel() {
        return "libmpathcmd";
    }

    @Override
    public String command(String command, Duration timeout) {
        if (command.indexOf('\0') >= 0 || command.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("multipathd command with a NUL or newline: " + command);
        }
        int fd = lib.__mpath_connect(1);
        if (fd < 0) {
            int errno = com.sun.jna.Native.getLastError();
            if (errno == ECONNREFUSED || errno == ENOENT) {
                throw new HostException("multipathd is not running (nothing listens on " + SOCKET + "): cannot send '"
                        + command + "'; start multipathd (systemctl start multipathd) and retry");
            }
            if (errno == EAGAIN) {
                throw new HostException("multipathd is not accepting connections (listen backlog full): cannot send '"
                        + command + "'; retry");
            }
            throw new HostException("cannot connect to multipathd on " + SOCKET + ": " + Errno.describe(errno));
        }
        try {
            PointerByReference reply = new PointerByReference();
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            int rc = lib.mpath_process_cmd(fd, command, reply, ms);
            int errno = com.sun.jna.Native.getLastError();
            Pointer p = reply.getValue();
            String text = p == null ? "" : read(p);
            if (rc != 0) {
                if (errno == ETIMEDOUT) {
                    throw new DeadlineException("multipathd did not answer '" + command + "' within " + ms + " ms");
                }
                throw new HostException("multipathd command '" + command + "' failed on the socket: "
                        + Errno.describe(errno));
            }
            return text;
        } finally {
            lib.mpath_disconnect(fd);
        }
    }

    /** Copies and frees the reply (malloc'ed by libmpathcmd, so libc free). */
    private static String read(Pointer p) {
        try {
            byte[] bytes = p.getByteArray(0, (int) Math.min(MAX_REPLY, p.indexOf(0, (byte) 0)));
            return new String(bytes, StandardCharsets.UTF_8);
        } finally {
            com.sun.jna.Native.free(Pointer.nativeValue(p));
        }
    }
}
