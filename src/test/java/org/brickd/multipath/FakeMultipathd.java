package org.brickd.multipath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.brickd.errors.HostException;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Commands;
import org.brickd.host.Mpathcmd;
import org.brickd.testing.FakeHost;

/**
 * multipathd 0.9.4 with {@code find_multipaths strict} and {@code user_friendly_names no},
 * over a {@link FakeHost}: answers the socket commands brickd sends with the texts the real
 * one gives (recorded on the bed), and builds, reloads and removes dm maps in the fake sysfs
 * the way the real daemon makes the kernel do. Also plays {@code multipath -a/-w}.
 */
public final class FakeMultipathd implements Mpathcmd, Commands {

    private final FakeHost host;
    private final FakeDevMapper dm;
    private final Set<String> wwids = new LinkedHashSet<>();
    /** path -> udev wwid, in the order added. */
    private final Map<String, String> paths = new LinkedHashMap<>();
    /** map name -> dm-N. */
    private final Map<String, String> maps = new TreeMap<>();
    private final Map<String, Long> sizes = new TreeMap<>();
    private final List<String> received = new ArrayList<>();
    private final Set<String> notQueueing = new LinkedHashSet<>();
    private int nextMinor;
    boolean running = true;

    public FakeMultipathd(FakeHost host, FakeDevMapper dm) {
        this.host = host;
        this.dm = dm;
    }

    public List<String> received() {
        return List.copyOf(received);
    }

    public Set<String> wwids() {
        return Set.copyOf(wwids);
    }

    boolean queueing(String map) {
        return !notQueueing.contains(map);
    }

    /** The LUN grew and the paths were rescanned. */
    void pathSize(String map, long bytes) {
        sizes.put(map, bytes);
    }

    @Override
    public String channel() {
        return "fake";
    }

    @Override
    public String command(String command, Duration timeout) {
        if (!running) {
            throw new HostException("multipathd is not running (nothing listens on @/org/kernel/linux/storage/multipathd)");
        }
        received.add(command);
        // the dm "remove" uevent of a map removed behind its back (device-mapper, or a deferred remove)
        maps.values().removeIf(d -> !host.exists("sys/block/" + d));
        String[] w = command.split(" ");
        if (command.equals(MultipathdReplies.PATHS_COMMAND)) {
            return showPaths();
        }
        if (command.equals(MultipathdReplies.MAPS_COMMAND)) {
            return showMaps();
        }
        if (w.length != 3) {
            return "multipath-tools v0.9.4 (12/19, 2022)\nCLI commands reference:\n";
        }
        String arg = w[2];
        return switch (w[0] + " " + w[1]) {
            case "add path" -> addPath(arg);
            case "del path" -> delPath(arg);
            case "del map" -> delMap(arg);
            case "disablequeueing map" -> {
                if (!maps.containsKey(arg)) {
                    yield "fail\n";
                }
                notQueueing.add(arg);
                yield "ok\n";
            }
            case "resize map" -> {
                if (!maps.containsKey(arg)) {
                    yield "fail\n";
                }
                host.file("sys/block/" + maps.get(arg) + "/size", sizes.getOrDefault(arg, 64L << 20) / 512 + "\n");
                yield "ok\n";
            }
            default -> "multipath-tools v0.9.4 (12/19, 2022)\nCLI commands reference:\n";
        };
    }

    /** {@code multipath -a|-w WWID}. */
    @Override
    public CommandResult run(Command c) {
        List<String> a = c.argv();
        if (a.size() == 3 && a.get(0).equals("multipath") && a.get(1).equals("-a")) {
            wwids.add(a.get(2));
            return new CommandResult(c, 0, "wwid '" + a.get(2) + "' added\n", "", Duration.ofMillis(5));
        }
        if (a.size() == 3 && a.get(0).equals("multipath") && a.get(1).equals("-w")) {
            wwids.remove(a.get(2));
            return new CommandResult(c, 0, "wwid '" + a.get(2) + "' removed\n", "", Duration.ofMillis(5));
        }
        return new CommandResult(c, 1, "", a.get(0) + ": not faked", Duration.ZERO);
    }

    private String addPath(String sd) {
        // the real one takes the WWID from udev's database (uid_attribute ID_SERIAL)
        if (!host.exists("sys/block/" + sd + "/dev")) {
            return "fail\n";
        }
        String devnum = read("sys/block/" + sd + "/dev");
        if (!host.exists("run/udev/data/b" + devnum)) {
            return "fail\n";
        }
        String wwid = read("run/udev/data/b" + devnum).lines().filter(l -> l.startsWith("E:ID_SERIAL="))
                .map(l -> l.substring("E:ID_SERIAL=".length())).findFirst().orElse(null);
        if (wwid == null) {
            return "fail\n";
        }
        paths.put(sd, wwid);
        if (wwids.contains(wwid)) {
            reload(wwid);
        }
        return "ok\n";
    }

    private String delPath(String sd) {
        String wwid = paths.remove(sd);
        if (wwid == null) {
            return "fail\n";
        }
        String dmName = maps.get(wwid);
        if (dmName != null) {
            boolean none = paths.values().stream().noneMatch(wwid::equals);
            // the last path: multipathd flushes the map unless it is open, then keeps it without paths
            if (none && dm.info(wwid).map(i -> i.openCount() == 0).orElse(true)) {
                host.removeDmMap(dmName);
                maps.remove(wwid);
            } else {
                reload(wwid);
            }
        }
        return "ok\n";
    }

    /**
     * A dm event on the map (a path failed, a reload): like __setup_multipath, multipathd
     * cancels a deferred remove of a map that still has paths in its list.
     */
    void mapEvent(String map) {
        if (paths.values().stream().anyMatch(map::equals) && dm.deferred(map)) {
            dm.cancelDeferred(map);
        }
    }

    private String delMap(String name) {
        String dmName = maps.get(name);
        if (dmName == null || dm.info(name).map(i -> i.openCount() > 0).orElse(false)) {
            return "fail\n";
        }
        host.removeDmMap(dmName);
        maps.remove(name);
        return "ok\n";
    }

    /** Creates or reloads the map of a WWID with the paths multipathd has for it. */
    private void reload(String wwid) {
        List<String> mine = paths.entrySet().stream().filter(e -> e.getValue().equals(wwid)).map(Map.Entry::getKey).toList();
        String dmName = maps.get(wwid);
        if (dmName == null) {
            dmName = "dm-" + nextMinor++;
            maps.put(wwid, dmName);
        } else {
            host.removeDmMap(dmName);
            mapEvent(wwid);
        }
        // 0.9.4 loads the configured features (queue_if_no_path), "disablequeueing" or not
        dm.tableLoaded(wwid);
        host.dmMap(dmName, wwid, "mpath-" + wwid, sizes.getOrDefault(wwid, 64L << 20) / 512, mine.toArray(String[]::new));
    }

    private String showPaths() {
        if (paths.isEmpty()) {
            return "ok\n";
        }
        StringBuilder b = new StringBuilder();
        int host = 6;
        for (Map.Entry<String, String> e : paths.entrySet()) {
            boolean mapped = maps.containsKey(e.getValue());
            b.append(e.getKey()).append('|').append(e.getValue()).append('|')
                    .append(mapped ? "active|ready|running|" + e.getValue() : "undef|undef|unknown|[orphan]")
                    .append('|').append(host++).append(":0:0:1\n");
        }
        return b.toString();
    }

    private String showMaps() {
        if (maps.isEmpty()) {
            return "ok\n";
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : maps.entrySet()) {
            long n = paths.values().stream().filter(e.getKey()::equals).count();
            b.append(e.getKey()).append('|').append(e.getKey()).append('|').append(e.getValue()).append('|').append(n)
                    .append('|').append(notQueueing.contains(e.getKey()) ? "off" : "12 chk").append('\n');
        }
        return b.toString();
    }

    Optional<String> dmOf(String map) {
        return Optional.ofNullable(maps.get(map));
    }

    private String read(String relative) {
        try {
            return Files.readString(host.root().resolve(relative)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
