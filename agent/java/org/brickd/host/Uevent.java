package org.brickd.host;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One kernel uevent: "ACTION@DEVPATH\0KEY=VALUE\0...". Only what brickd matches on is
 * given accessors; the rest stays in {@link #env()}.
 */
public record Uevent(String action, String devpath, Map<String, String> env) {

    public Uevent {
        env = Map.copyOf(env);
    }

    /** Parses a kernel datagram; returns null for anything that is not one (udev's "libudev" frames). */
    public static Uevent parse(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        String[] parts = s.split("\0");
        if (parts.length == 0 || !parts[0].contains("@")) {
            return null;
        }
        String head = parts[0];
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0) {
                env.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
        }
        String action = env.getOrDefault("ACTION", head.substring(0, head.indexOf('@')));
        String devpath = env.getOrDefault("DEVPATH", head.substring(head.indexOf('@') + 1));
        return new Uevent(action, devpath, env);
    }

    public String subsystem() {
        return env.getOrDefault("SUBSYSTEM", "");
    }

    /** Kernel device name (sdb, dm-0), or "" when the event has none. */
    public String devname() {
        return env.getOrDefault("DEVNAME", "");
    }

    public String devtype() {
        return env.getOrDefault("DEVTYPE", "");
    }

    public boolean isAdd() {
        return action.equals("add");
    }

    public boolean isRemove() {
        return action.equals("remove");
    }

    /** A block disk (not a partition) with this kernel name. */
    public boolean isDisk(String name) {
        return subsystem().equals("block") && devtype().equals("disk") && devname().equals(name);
    }

    @Override
    public String toString() {
        return action + "@" + devpath;
    }
}
