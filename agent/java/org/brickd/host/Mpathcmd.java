package org.brickd.host;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * multipathd's command channel: one command line in, multipathd's reply text out, exactly
 * as {@code multipathd <command>} would print it ("ok", "fail", a table...). What a reply
 * means is decided in multipath/, not here.
 *
 * <p>The real one is {@link JnaMpathcmd} (libmpathcmd: multipathd 0.9.4 listens only on an
 * abstract unix socket, which the JDK cannot open); {@link CliMpathcmd} runs the
 * {@code multipathd} program instead and is used only when libmpathcmd cannot be loaded.
 */
public interface Mpathcmd {

    /**
     * Sends {@code command} and returns the reply. Throws {@link org.brickd.errors.HostException}
     * when multipathd is not running or the channel fails, and
     * {@link org.brickd.errors.DeadlineException} when no reply came within {@code timeout}.
     */
    String command(String command, Duration timeout);

    /** Which channel this is, for logs: "libmpathcmd" or "multipathd CLI". */
    String channel();

    /** libmpathcmd when it loads, else the CLI (and a warning saying so). */
    static Mpathcmd system(Commands commands) {
        try {
            return new JnaMpathcmd();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            Logger log = LoggerFactory.getLogger(Mpathcmd.class);
            log.warn("libmpathcmd unavailable, talking to multipathd through its CLI instead: {}", e.getMessage());
            return new CliMpathcmd(commands);
        }
    }
}
