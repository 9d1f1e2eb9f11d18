package org.brickd.multipath;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.host.DevMapper;
import org.brickd.testing.FakeHost;

/**
 * device-mapper over a {@link FakeHost}: maps are the host's /sys/block/dm-N trees; open
 * counts and deferred removal behave like the kernel's (an open map refuses a plain remove,
 * a deferred one disappears on last close).
 */
public final class FakeDevMapper implements DevMapper {

    private final FakeHost host;
    private final Map<String, Integer> open = new java.util.concurrent.ConcurrentHashMap<>();
    private final Set<String> deferred = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<String> messages = new ArrayList<>();
    /** Maps whose live table has queue_if_no_path switched off. */
    private final Set<String> failIfNoPath = java.util.concurrent.ConcurrentHashMap.newKeySet();
    boolean broken;

    public FakeDevMapper(FakeHost host) {
        this.host = host;
    }

    /** A process opens the map. */
    void open(String name) {
        open.merge(name, 1, Integer::sum);
    }

    /** The holder closes it; a deferred remove then happens. */
    void close(String name) {
        int n = open.merge(name, -1, Integer::sum);
        if (n == 0 && deferred.remove(name)) {
            dmOf(name).ifPresent(host::removeDmMap);
        }
    }

    List<String> messages() {
        return List.copyOf(messages);
    }

    boolean deferred(String name) {
        return deferred.contains(name);
    }

    /** The live table queues I/O while no path is left (queue_if_no_path). */
    boolean tableQueueing(String name) {
        return !failIfNoPath.contains(name);
    }

    /** A new table was loaded with the configured features: queue_if_no_path is back on. */
    void tableLoaded(String name) {
        failIfNoPath.remove(name);
    }

    /** The dm message "@cancel_deferred_remove". */
    void cancelDeferred(String name) {
        deferred.remove(name);
    }

    @Override
    public Optional<Info> info(String name) {
        return dmOf(name).map(dm -> new Info(254, Integer.parseInt(dm.substring(3)), open.getOrDefault(name, 0), false,
                deferred.contains(name), 1));
    }

    @Override
    public Removal remove(String name, boolean deferredRemove, java.time.Duration udevDeadline) {
        fail();
        Optional<String> dm = dmOf(name);
        if (dm.isEmpty()) {
            return Removal.NOT_FOUND;
        }
        if (open.getOrDefault(name, 0) > 0) {
            if (!deferredRemove) {
                throw new BrickException(BrickException.Code.BUSY, "map " + name + " is in use");
            }
            deferred.add(name);
            return Removal.DEFERRED;
        }
        host.removeDmMap(dm.get());
        return Removal.REMOVED;
    }

    @Override
    public void message(String name, String message) {
        fail();
        if (dmOf(name).isEmpty()) {
            throw new HostException("device-mapper message to map " + name + " failed: ENXIO");
        }
        messages.add(name + ": " + message);
        if (message.equals("fail_if_no_path")) {
            failIfNoPath.add(name);
        } else if (message.equals("queue_if_no_path")) {
            failIfNoPath.remove(name);
        }
    }

    private void fail() {
        if (broken) {
            throw new HostException("device-mapper: cannot open /dev/mapper/control");
        }
    }

    Optional<String> dmOf(String name) {
        for (String dm : host.ls("sys/block")) {
            if (dm.startsWith("dm-") && host.exists("sys/block/" + dm + "/dm/name")) {
                try {
                    String n = java.nio.file.Files.readString(host.root().resolve("sys/block/" + dm + "/dm/name")).strip();
                    if (n.equals(name)) {
                        return Optional.of(dm);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return Optional.empty();
    }
}
