package org.brickd.host;

import java.nio.file.Path;
import org.brickd.errors.InvalidInputException;

/**
 * Joins a relative path under a root, refusing anything that could leave it.
 * Every sysfs or /dev path brickd builds passes through here: names come from
 * value types already, this is the second fence.
 */
final class HostPaths {

    private HostPaths() {}

    static Path under(Path base, String relative) {
        if (relative == null || relative.isEmpty() || relative.startsWith("/")) {
            throw new InvalidInputException("path", relative, "must be relative to " + base);
        }
        for (String part : relative.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new InvalidInputException("path", relative, "has an empty, '.' or '..' component");
            }
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (c < 0x21 || c == 0x7f) {
                    throw new InvalidInputException("path", relative, "has a control or space character");
                }
            }
        }
        Path p = base.resolve(relative).normalize();
        if (!p.startsWith(base)) {
            throw new InvalidInputException("path", relative, "leaves " + base);
        }
        return p;
    }
}
