package org.brickd.host;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.brickd.errors.InvalidInputException;
import org.slf4j.LoggerFactory;

/**
 * The service manager's notification socket (sd_notify(3), Type=notify): state lines such
 * as {@code READY=1} or {@code STOPPING=1} go to $NOTIFY_SOCKET. Outside systemd (the
 * variable unset) every call does nothing.
 */
public interface SystemdNotify {

    /** Sends newline-separated state assignments; a failure is logged, never thrown (sd_notify's contract). */
    void send(String state);

    SystemdNotify NONE = state -> {};

    /**
     * From $NOTIFY_SOCKET: nothing when unset; a value that is neither an absolute path nor an
     * {@code @abstract} name, or too long for a unix address, is logged and ignored.
     */
    static SystemdNotify fromEnvironment(Map<String, String> env) {
        String value = env.get("NOTIFY_SOCKET");
        if (value == null) {
            return NONE;
        }
        try {
            return new JnaSystemdNotify(parseAddress(value));
        } catch (InvalidInputException e) {
            LoggerFactory.getLogger(SystemdNotify.class).warn("not notifying the service manager: {}", e.getMessage());
            return NONE;
        }
    }

    /** An absolute path or {@code @name} (abstract namespace) that fits sun_path's 108 bytes. */
    static String parseAddress(String value) {
        if (value.isEmpty() || (value.charAt(0) != '/' && value.charAt(0) != '@')) {
            throw new InvalidInputException("NOTIFY_SOCKET", value, "must be an absolute path or an @abstract name");
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 2 || bytes >= 108) {
            throw new InvalidInputException("NOTIFY_SOCKET", value, "must be 2 to 107 bytes long (a unix socket address)");
        }
        if (value.indexOf('\0') >= 0) {
            throw new InvalidInputException("NOTIFY_SOCKET", value, "must not hold a NUL");
        }
        return value;
    }
}
