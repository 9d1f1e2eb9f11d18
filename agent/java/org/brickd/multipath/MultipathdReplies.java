package org.brickd.multipath;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;

/**
 * What multipathd 0.9.4 answers, read as values. Pure functions over reply text.
 *
 * <p>multipathd's listener answers "ok\n" or "fail\n" for a command whose handler printed
 * nothing; "timeout\n" when the handler could not get the daemon lock in time; "permission
 * deny: need to be root\n"; the help text for an unknown command. A handler may print its
 * own text instead ("delayed" from del path/del map, "blacklisted" from add path). A
 * listing with no rows answers "ok".
 */
public final class MultipathdReplies {

    /** Columns of {@link #PATHS_COMMAND}, in order. "|" never occurs in these fields. */
    public static final String PATHS_COMMAND = "show paths raw format \"%d|%w|%t|%T|%o|%m|%i\"";
    /** Columns of {@link #MAPS_COMMAND}, in order. */
    public static final String MAPS_COMMAND = "show maps raw format \"%n|%w|%d|%N|%Q\"";

    private static final String ORPHAN = "[orphan]";

    /** How a command that changes something ended. */
    public enum Outcome {
        OK, FAIL, DELAYED, BLACKLISTED, TIMEOUT, DENIED, OTHER;
    }

    private MultipathdReplies() {}

    public static Outcome outcome(String reply) {
        String r = reply.strip();
        if (r.equals("ok")) {
            return Outcome.OK;
        }
        if (r.equals("fail")) {
            return Outcome.FAIL;
        }
        if (r.equals("delayed")) {
            return Outcome.DELAYED;
        }
        if (r.equals("blacklisted")) {
            return Outcome.BLACKLISTED;
        }
        if (r.equals("timeout")) {
            return Outcome.TIMEOUT;
        }
        if (r.startsWith("permission deny")) {
            return Outcome.DENIED;
        }
        return Outcome.OTHER;
    }

    /** Rows of {@link #PATHS_COMMAND}. Rows of non-SCSI paths (nvme) are left out. */
    public static List<PathState> paths(String reply) {
        List<PathState> out = new ArrayList<>();
        for (String[] f : rows(reply, 7, PATHS_COMMAND)) {
            Optional<BlockDevice> dev = device(f[0]).filter(BlockDevice::isScsiDisk);
            if (dev.isEmpty()) {
                continue;
            }
            Optional<String> map = f[5].isEmpty() || f[5].equals(ORPHAN) || f[5].startsWith("[") ? Optional.empty()
                    : Optional.of(f[5]);
            out.add(new PathState(dev.get(), wwid(f[1]), PathState.DmState.parse(f[2]),
                    PathState.Checker.parse(f[3]), f[4].equals("running"), map, hctl(f[6])));
        }
        return out;
    }

    /** Rows of {@link #MAPS_COMMAND}. */
    public static List<MapState> maps(String reply) {
        List<MapState> out = new ArrayList<>();
        for (String[] f : rows(reply, 5, MAPS_COMMAND)) {
            int paths;
            try {
                paths = Integer.parseInt(f[3]);
            } catch (NumberFormatException e) {
                throw new MultipathdException("multipathd answered '" + MAPS_COMMAND + "' with a path count '" + f[3]
                        + "' that is not a number");
            }
            out.add(new MapState(f[0], wwid(f[1]), device(f[2]), paths, f[4]));
        }
        return out;
    }

    /**
     * Splits a raw-format listing into trimmed fields ("show map X raw format" pads them).
     * "ok" and an empty reply are no rows; anything else that is not a row of {@code n}
     * fields (help text, "fail", "timeout") is an error naming the command.
     */
    private static List<String[]> rows(String reply, int n, String command) {
        List<String[]> out = new ArrayList<>();
        Outcome o = outcome(reply);
        if (reply.isBlank() || o == Outcome.OK) {
            return out;
        }
        if (o != Outcome.OTHER) {
            throw new MultipathdException("multipathd answered '" + command + "' with '" + reply.strip() + "'");
        }
        for (String line : reply.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\\|", -1);
            if (f.length != n) {
                throw new MultipathdException("multipathd answered '" + command + "' with a line of " + f.length
                        + " fields, expected " + n + ": '" + firstLine(line) + "'");
            }
            for (int i = 0; i < n; i++) {
                f[i] = f[i].strip();
            }
            out.add(f);
        }
        return out;
    }

    private static Optional<BlockDevice> device(String s) {
        try {
            return Optional.of(BlockDevice.parse("multipathd device", s));
        } catch (BrickException e) {
            return Optional.empty();
        }
    }

    private static Optional<Wwid> wwid(String s) {
        if (s.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Wwid.parse("multipathd wwid", s));
        } catch (BrickException e) {
            return Optional.empty();
        }
    }

    private static Optional<Hctl> hctl(String s) {
        try {
            return Optional.of(Hctl.parse("multipathd hcil", s));
        } catch (BrickException e) {
            return Optional.empty();
        }
    }

    private static String firstLine(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
