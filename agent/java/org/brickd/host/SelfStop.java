package org.brickd.host;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.brickd.errors.HostException;

/**
 * Stops this process with SIGSTOP from the calling thread, for crash tests (the daemon's
 * fault point). raise(3) sends the signal to the calling thread (tgkill), which therefore
 * stops on its way back from the system call; kill(getpid(), ...) would let the kernel pick
 * another thread to start the group stop, and the caller could run on for a while first.
 */
public final class SelfStop {

    private static final int SIGSTOP = jnr.constants.platform.Signal.SIGSTOP.intValue();

    interface LibC extends Library {
        int raise(int sig);
    }

    private SelfStop() {}

    /** Returns only once the process has been continued (SIGCONT). */
    public static void now() {
        LibC libc = Native.load("c", LibC.class);
        if (libc.raise(SIGSTOP) != 0) {
            throw new HostException("raise(SIGSTOP) failed: errno " + Native.getLastError());
        }
    }
}
