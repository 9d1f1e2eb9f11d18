package org.brickd.multipath;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.brickd.errors.BrickException;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Commands;
import org.brickd.host.DevFs;
import org.brickd.host.DevMapper;
import org.brickd.host.Mpathcmd;
import org.brickd.host.Sysfs;
import org.brickd.host.UdevDb;
import org.brickd.host.Uevents;
import org.brickd.multipath.MultipathdReplies.Outcome;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dm-multipath operations brickd performs, on multipathd's command channel
 * ({@link Mpathcmd}) and device-mapper ({@link DevMapper}); the {@code multipath} program only
 * where multipathd 0.9.4 has no command (adding/removing a WWID in /etc/multipath/wwids).
 *
 * <p>Hosts run {@code find_multipaths strict}: multipathd builds a map only for WWIDs listed
 * in the wwids file, so attaching is {@link #addWwid}, {@link #addPath} per path, then
 * {@link #awaitMap}. Detaching is {@link #flush} (refused while the map is open) or
 * {@link #forceRemove}; then the caller deletes the paths and may {@link #forgetWwid}.
 */
public final class Multipath {

    private static final Logger log = LoggerFactory.getLogger(Multipath.class);

    /**
     * Deadlines: one multipathd command or program run; udev finishing with /dev/mapper; and how
     * long a flush waits for a short-lived opener (udev's blkid probe after a map event) to close
     * the map before calling it in use.
     */
    public record Settings(Duration command, Duration udev, Duration busyGrace) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(3));
        }
    }

    private final Mpathcmd mpathd;
    private final Commands commands;
    private final DmMaps maps;
    private final DevMapper dm;
    private final Sysfs sysfs;
    private final DevFs dev;
    private final Uevents uevents;
    private final Settings settings;
    private final UdevDb udevDb;

    public Multipath(Mpathcmd mpathd, Commands commands, DevMapper dm, Sysfs sysfs, DevFs dev, Uevents uevents,
                     Settings settings) {
        this.mpathd = mpathd;
        this.commands = commands;
        this.dm = dm;
        this.sysfs = sysfs;
        this.dev = dev;
        this.uevents = uevents;
        this.settings = settings;
        this.maps = new DmMaps(sysfs, dm);
        this.udevDb = new UdevDb(sysfs.root());
    }

    public DmMaps maps() {
        return maps;
    }

    /**
     * Lets multipathd build a map for this WWID (writes it to /etc/multipath/wwids).
     * multipathd 0.9.4 has no socket command for this: {@code multipath -a}.
     */
    public void addWwid(Wwid wwid) {
        runMultipath("-a", wwid);
    }

    /** Removes the WWID from /etc/multipath/wwids, so its paths no longer get a map. */
    public void forgetWwid(Wwid wwid) {
        runMultipath("-w", wwid);
    }

    /**
     * multipathd takes the path (and builds or extends its map when the WWID is allowed).
     * First waits (up to {@link Settings#udev}) for udev to have processed the path: multipathd
     * reads the path's WWID from udev's database and answers "fail" for a path udev has not
     * finished with, which under load is the case just after the sd node appears.
     */
    public void addPath(BlockDevice path) {
        requireScsi(path);
        if (!uevents.awaitQuietly(() -> udevDb.properties(path).map(p -> p.containsKey("ID_SERIAL")).orElse(false),
                settings.udev())) {
            log.warn("udev has not processed {} within {} ms (no ID_SERIAL in its database); asking multipathd anyway",
                    path, settings.udev().toMillis());
        }
        String reply = send("add path " + path.name());
        Outcome o = MultipathdReplies.outcome(reply);
        if (o != Outcome.OK) {
            throw refused("add path " + path.name(), reply, o == Outcome.BLACKLISTED
                    ? "blacklisted in multipath.conf" : "has udev processed " + path + "? is it gone?");
        }
    }

    /**
     * multipathd drops the path (and reloads its map without it). A path multipathd does not
     * know is not an error: the result is the same.
     */
    public void delPath(BlockDevice path) {
        requireScsi(path);
        String cmd = "del path " + path.name();
        String reply = send(cmd);
        switch (MultipathdReplies.outcome(reply)) {
            case OK, DELAYED -> { }
            case FAIL -> {
                if (pathStates().stream().anyMatch(p -> p.device().equals(path))) {
                    throw refused(cmd, reply, "the path is still in multipathd's list");
                }
            }
            default -> {
                // "map reload error. removed": the path is out of multipathd, the map kept it
                if (!reply.contains("removed")) {
                    throw refused(cmd, reply, null);
                }
                log.warn("multipathd: {}: {}", cmd, reply.strip());
            }
        }
    }

    /**
     * Waits until the map of {@code wwid} exists with at least {@code paths} below it, is not
     * suspended, has its /dev node and udev's /dev/mapper link (multipathd does not wait
     * for udev before answering), and multipathd lists every path in it. Re-checked on every uevent (multipathd's dm "add",
     * then the "change" of its resume) with a bounded poll as fallback.
     */
    public DmMap awaitMap(Wwid wwid, Set<BlockDevice> paths, Duration deadline) {
        DmMap[] found = new DmMap[1];
        boolean ok = uevents.awaitQuietly(() -> {
            Optional<DmMap> m = maps.byWwid(wwid);
            if (m.isPresent() && !m.get().suspended() && m.get().slaves().containsAll(paths)
                    && dev.exists(m.get().device()) && dev.exists("mapper/" + m.get().name())
                    && tracksAll(m.get(), paths)) {
                found[0] = m.get();
                return true;
            }
            return false;
        }, deadline);
        if (ok) {
            return found[0];
        }
        String seen = maps.byWwid(wwid).map(m -> "map " + m + " has paths " + m.slaves()
                + (m.suspended() ? ", suspended" : "")
                + (dev.exists("mapper/" + m.name()) ? "" : ", no /dev/mapper/" + m.name() + " yet (udev)"))
                .orElse("no map exists");
        throw new DeadlineException("timed out after " + deadline.toMillis() + " ms waiting for the multipath map of "
                + wwid.udev() + " with paths " + new TreeSet<>(names(paths)) + ": " + seen + "; multipathd sees "
                + describePaths(paths) + ". Is the WWID in /etc/multipath/wwids (multipath -a) and were the paths added?");
    }

    /**
     * multipathd has settled on the map: it lists every path in it. Until then it may still be
     * reloading the table (adding the second path, applying no_path_retry), and a reload would
     * undo a feature message sent meanwhile.
     */
    private boolean tracksAll(DmMap map, Set<BlockDevice> paths) {
        long inMap = pathStates().stream()
                .filter(p -> paths.contains(p.device()) && p.map().filter(map.name()::equals).isPresent())
                .count();
        return inMap == paths.size();
    }

    /**
     * Flushes the map through multipathd ("del map"). Refused (BUSY) while it is open: no I/O is
     * dropped. An opener that goes away within {@link Settings#busyGrace} (udev probing the map
     * after an event) does not count. The caller flushes buffers first.
     */
    public void flush(DmMap map) {
        String cmd = "del map " + map.name();
        String reply = send(cmd);
        if (MultipathdReplies.outcome(reply) == Outcome.OK) {
            return;
        }
        Optional<DevMapper.Info> info = dm.info(map.name());
        if (info.isPresent() && info.get().openCount() > 0
                && uevents.awaitQuietly(() -> dm.info(map.name()).map(i -> i.openCount() == 0).orElse(true),
                        settings.busyGrace())) {
            reply = send(cmd);
            if (MultipathdReplies.outcome(reply) == Outcome.OK) {
                return;
            }
            info = dm.info(map.name());
        }
        if (info.isEmpty()) {
            return; // gone meanwhile: flushed all the same
        }
        if (info.get().openCount() > 0) {
            throw new BrickException(BrickException.Code.BUSY, "map " + map + " is open (open count "
                    + info.get().openCount() + holdersText(map) + "): not flushed. Stop what uses it, or force the"
                    + " detach (queued I/O is then failed)");
        }
        throw refused(cmd, reply, "the map is not open; see multipathd's log");
    }

    /** What {@link #disableQueueing} achieved. */
    public record QueueingOff(boolean byMultipathd, boolean byDevMapper, List<String> errors) {
        public boolean any() {
            return byMultipathd || byDevMapper;
        }
    }

    /**
     * Stops queue_if_no_path so that I/O waiting for a path fails now: multipathd's
     * "disablequeueing map", then the dm message "fail_if_no_path" directly (works when
     * multipathd does not). multipathd may switch queueing back on when it reloads the map.
     * Throws only when neither worked.
     */
    public QueueingOff disableQueueing(DmMap map) {
        List<String> errors = new ArrayList<>();
        boolean byMpathd = false;
        boolean byDm = false;
        String cmd = "disablequeueing map " + map.name();
        try {
            String reply = send(cmd);
            byMpathd = MultipathdReplies.outcome(reply) == Outcome.OK;
            if (!byMpathd) {
                errors.add("multipathd answered '" + cmd + "' with '" + reply.strip() + "'");
            }
        } catch (BrickException e) {
            errors.add(e.getMessage());
        }
        try {
            dm.message(map.name(), "fail_if_no_path");
            byDm = true;
        } catch (BrickException e) {
            errors.add(e.getMessage());
        }
        if (!byMpathd && !byDm) {
            throw new HostException("cannot stop queueing on map " + map + ": " + String.join("; ", errors));
        }
        return new QueueingOff(byMpathd, byDm, errors);
    }

    /**
     * Removes the map whatever holds it (forced detach, I3): stop queueing so waiting I/O
     * fails; if nothing has it open, flush through multipathd, else (or if that fails) remove
     * through device-mapper; if it is still open, take its paths out of multipathd (which
     * would otherwise cancel the mark at its next event on the map) and remove it deferred, so
     * the kernel drops it on last close. Delete the path devices right after: a path that comes
     * back to multipathd rejoins the map and cancels the mark. Failures on the way are
     * collected, not thrown, as long as the map ends up removed or marked; otherwise this
     * throws with all of them.
     */
    public ForcedRemoval forceRemove(DmMap map, Duration deadline) {
        long t0 = System.nanoTime();
        List<String> errors = new ArrayList<>();
        Optional<DevMapper.Info> info = dm.info(map.name());
        if (info.isEmpty()) {
            return new ForcedRemoval(map, ForcedRemoval.Outcome.ALREADY_GONE, 0, false, since(t0), errors);
        }
        boolean queueingOff = false;
        try {
            QueueingOff q = disableQueueing(map);
            queueingOff = true;
            errors.addAll(q.errors());
        } catch (BrickException e) {
            errors.add(e.getMessage());
        }
        info = dm.info(map.name());
        if (info.isPresent() && info.get().openCount() == 0) {
            try {
                String reply = send("del map " + map.name(), t0, deadline);
                if (MultipathdReplies.outcome(reply) == Outcome.OK) {
                    return new ForcedRemoval(map, ForcedRemoval.Outcome.FLUSHED, 0, queueingOff, since(t0), errors);
                }
                errors.add("multipathd answered 'del map " + map.name() + "' with '" + reply.strip() + "'");
            } catch (BrickException e) {
                errors.add(e.getMessage());
            }
            info = dm.info(map.name());
        }
        if (info.isEmpty()) {
            return new ForcedRemoval(map, ForcedRemoval.Outcome.FLUSHED, 0, queueingOff, since(t0), errors);
        }
        int open = info.get().openCount();
        Duration udev = min(settings.udev(), remaining(t0, deadline));
        if (open == 0) {
            try {
                DevMapper.Removal r = dm.remove(map.name(), false, udev);
                return new ForcedRemoval(map, r == DevMapper.Removal.NOT_FOUND ? ForcedRemoval.Outcome.FLUSHED
                        : ForcedRemoval.Outcome.REMOVED, 0, queueingOff, since(t0), errors);
            } catch (BrickException e) {
                errors.add(e.getMessage()); // opened meanwhile (udev probing it): remove deferred below
            }
        }
        // multipathd cancels a deferred remove ("@cancel_deferred_remove") at its next event on a map
        // that still has paths in its list: take the paths out of multipathd first (it then reloads
        // the map without paths, which with queueing off fails I/O at once)
        for (BlockDevice path : maps.read(map.device()).map(DmMap::slaves).orElse(map.slaves())) {
            try {
                delPath(path);
            } catch (BrickException e) {
                errors.add(e.getMessage());
            }
        }
        // multipathd reloads a map that lost its last path with the configured features, queueing
        // back on (0.9.4 does, despite "disablequeueing"); an opener such as udev's probe of that
        // reload would then wait for a path forever and keep the deferred removal from ever running
        try {
            dm.message(map.name(), "fail_if_no_path");
        } catch (BrickException e) {
            errors.add(e.getMessage());
        }
        try {
            DevMapper.Removal r = dm.remove(map.name(), true, udev);
            if (r == DevMapper.Removal.DEFERRED && !dm.info(map.name()).map(DevMapper.Info::deferredRemove).orElse(true)) {
                errors.add("the deferred-remove mark was cancelled (by multipathd?); marked again");
                r = dm.remove(map.name(), true, udev);
            }
            ForcedRemoval.Outcome o = switch (r) {
                case DEFERRED -> ForcedRemoval.Outcome.DEFERRED;
                case REMOVED -> ForcedRemoval.Outcome.REMOVED;
                case NOT_FOUND -> ForcedRemoval.Outcome.FLUSHED;
            };
            if (o == ForcedRemoval.Outcome.DEFERRED) {
                log.warn("map {} is open (open count {}{}): marked for deferred removal; the kernel removes it when"
                        + " the last holder closes it", map, open, holdersText(map));
            }
            return new ForcedRemoval(map, o, open, queueingOff, since(t0), errors);
        } catch (BrickException e) {
            errors.add(e.getMessage());
            throw new HostException("cannot remove map " + map + " even deferred; it is left in place"
                    + (queueingOff ? " with queueing off" : "") + ": " + String.join("; ", errors)
                    + ". Try: dmsetup remove --deferred " + map.name(), e);
        }
    }

    /**
     * Has multipathd reload the map at its paths' current size (after each path was
     * rescanned) and answers the map's size in bytes.
     */
    public long resize(DmMap map) {
        String cmd = "resize map " + map.name();
        String reply = send(cmd);
        if (MultipathdReplies.outcome(reply) != Outcome.OK) {
            throw refused(cmd, reply, "were all paths rescanned, and do they agree on the size?");
        }
        return sysfs.read("block/" + map.device().name() + "/size")
                .map(s -> Long.parseLong(s.strip()) * 512)
                .orElseThrow(() -> new HostException("map " + map + " vanished after its resize"));
    }

    /** Every path multipathd knows, with its map (if any) and states. */
    public List<PathState> pathStates() {
        return MultipathdReplies.paths(send(MultipathdReplies.PATHS_COMMAND));
    }

    /** Every map multipathd tracks. */
    public List<MapState> mapStates() {
        return MultipathdReplies.maps(send(MultipathdReplies.MAPS_COMMAND));
    }

    private String send(String command) {
        return mpathd.command(command, settings.command());
    }

    private String send(String command, long t0, Duration deadline) {
        Duration left = min(settings.command(), remaining(t0, deadline));
        if (left.isZero()) {
            throw new DeadlineException("no time left for multipathd '" + command + "' within " + deadline.toMillis()
                    + " ms");
        }
        return mpathd.command(command, left);
    }

    private void runMultipath(String flag, Wwid wwid) {
        Command c = Command.of("multipath", settings.command()).args(flag, wwid.udev()).build();
        CommandResult r = commands.run(c);
        if (!r.ok()) {
            throw new HostException(r.summary() + (r.stdout().isBlank() ? "" : " (" + r.stdout().strip() + ")")
                    + ": /etc/multipath/wwids not updated for " + wwid.udev());
        }
    }

    private String describePaths(Set<BlockDevice> paths) {
        try {
            List<PathState> states = pathStates();
            return states.stream().filter(p -> paths.contains(p.device()))
                    .map(p -> p.device() + " " + p.dm().name().toLowerCase() + "/" + p.checker().name().toLowerCase()
                            + " in " + p.map().orElse("no map"))
                    .collect(Collectors.joining(", ", "[", "]"));
        } catch (BrickException e) {
            return "(multipathd not answering: " + e.getMessage() + ")";
        }
    }

    private static MultipathdException refused(String cmd, String reply, String hint) {
        return new MultipathdException("multipathd refused '" + cmd + "': '" + firstLine(reply) + "'"
                + (hint == null ? "" : " (" + hint + ")"));
    }

    private static String holdersText(DmMap map) {
        return map.holders().isEmpty() ? "" : ", held by " + String.join(", ", map.holders());
    }

    private static String firstLine(String reply) {
        String s = reply.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    private static void requireScsi(BlockDevice path) {
        if (!path.isScsiDisk()) {
            throw new IllegalArgumentException("a multipath path is an sd device, not " + path);
        }
    }

    private static List<String> names(Set<BlockDevice> paths) {
        return paths.stream().map(BlockDevice::name).toList();
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static Duration remaining(long t0, Duration deadline) {
        Duration left = deadline.minus(since(t0));
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
