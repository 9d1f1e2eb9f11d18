package org.brickd.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.brickd.errors.BrickException;

/**
 * brickd's configuration: one file of {@code key = value} lines, '#' comments. Every key,
 * its default and its meaning are in {@link #KEYS} (and in systemd/brickd.conf). An
 * unknown key or a bad value stops the start with a message naming the file and line.
 */
public final class Config {

    /** A documented option. */
    public record Key(String name, String defaultValue, String help) {}

    public static final List<Key> KEYS = List.of(
            new Key("socket", "/run/brickd/brickd.sock", "unix socket the compute service connects to"),
            new Key("socket_mode", "0660", "file mode of the socket (octal)"),
            new Key("socket_group", "brickd", "group owning the socket, if that group exists"),
            new Key("state_dir", "/var/lib/brickd", "directory of the ledger (ledger.db, mode 0600)"),
            new Key("allowed_users", "", "users (besides root) allowed to call every method, comma-separated"),
            new Key("allowed_groups", "brickd", "groups allowed to call every method, comma-separated"),
            new Key("read_only_groups", "", "groups allowed to call read-only methods only, comma-separated"),
            new Key("workers", "32", "calls executed at once; more wait in a bounded queue"),
            new Key("max_frame_bytes", "1048576", "largest JSON-RPC request line accepted"),
            new Key("write_timeout", "30s", "how long an answer waits for its client to read it before the connection is closed"),
            new Key("login_timeout", "20s", "deadline of one iSCSI login (per portal)"),
            new Key("device_timeout", "20s", "deadline for a scanned LUN's disk and /dev node to appear"),
            new Key("link_timeout", "30s", "deadline for udev's /dev/disk/by-id link of a verified disk (udev can lag seconds behind when many disks arrive at once)"),
            new Key("removal_timeout", "20s", "deadline for a deleted device to disappear"),
            new Key("command_timeout", "30s", "deadline of an iscsiadm/multipath command"),
            new Key("lock_timeout", "120s", "how long a call waits for a busy volume or target before 'busy'"),
            new Key("stale_scan_interval", "10m", "how often the stale-device scan runs (also once at start); 'off' disables it"),
            new Key("stale_cleanup_on_timer", "false", "whether the timed scan also removes what it finds (else it only logs)"),
            new Key("stale_remove_unowned", "false",
                    "whether cleanup removes live iSCSI/FC devices that no attachment owns (else reported only)"),
            new Key("stale_exclude", "", "devices (sdX, dm-N, H:C:T:L), map names or WWIDs stale cleanup never touches"),
            new Key("fc_manual_scan", "yes", "at start, set the SCSI midlayer's scan mode (scsi_mod parameter 'scan')"
                    + " to manual, so that the FC transport does not scan every LUN of a new target port by itself"
                    + " (only the LUNs brickd is asked for appear); 'no' leaves it as it is"));

    private static final Pattern LINE = Pattern.compile("^\\s*([a-z_]+)\\s*=\\s*(.*?)\\s*$");
    private static final Pattern DURATION = Pattern.compile("^(\\d{1,6})(ms|s|m)$");

    private final Map<String, String> values;

    private Config(Map<String, String> values) {
        this.values = values;
    }

    public static Config defaults() {
        Map<String, String> v = new LinkedHashMap<>();
        for (Key k : KEYS) {
            v.put(k.name(), k.defaultValue());
        }
        return new Config(v);
    }

    /** Reads a config file; a missing file is an error only when {@code required}. */
    public static Config load(Path file, boolean required) {
        Config c = defaults();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (required) {
                throw bad(file, 0, "the file does not exist");
            }
            return c;
        } catch (IOException e) {
            throw bad(file, 0, "cannot read it: " + e.getMessage());
        }
        Set<String> known = c.values.keySet();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String stripped = line.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw bad(file, i + 1, "expected 'key = value', got '" + stripped + "'");
            }
            if (!known.contains(m.group(1))) {
                throw bad(file, i + 1, "unknown key '" + m.group(1) + "' (known: " + String.join(", ", known) + ")");
            }
            c.values.put(m.group(1), m.group(2));
            try {
                c.validate(m.group(1));
            } catch (IllegalArgumentException e) {
                throw bad(file, i + 1, e.getMessage());
            }
        }
        return c;
    }

    /** Applies a command-line override (e.g. --socket). */
    public Config with(String key, String value) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown config key " + key);
        }
        Map<String, String> v = new LinkedHashMap<>(values);
        v.put(key, value);
        Config c = new Config(v);
        c.validate(key);
        return c;
    }

    private void validate(String key) {
        switch (key) {
            case "socket", "state_dir" -> path(key);
            case "socket_mode" -> mode();
            case "workers", "max_frame_bytes" -> positive(key);
            case "fc_manual_scan" -> bool(key);
            case "login_timeout", "device_timeout", "link_timeout", "removal_timeout", "command_timeout",
                    "lock_timeout", "write_timeout" -> duration(key);
            case "stale_scan_interval" -> durationOrOff(key);
            case "stale_cleanup_on_timer", "stale_remove_unowned" -> bool(key);
            case "stale_exclude" -> names(key);
            default -> list(key);
        }
    }

    /** A yes/no option. */
    public String string(String key) {
        return values.get(key);
    }

    public Path path(String key) {
        String v = values.get(key);
        if (!v.startsWith("/") || v.contains("\0") || v.contains("/../") || v.endsWith("/..")) {
            throw new IllegalArgumentException(key + " must be an absolute path, got '" + v + "'");
        }
        return Path.of(v);
    }

    public int positive(String key) {
        try {
            int n = Integer.parseInt(values.get(key));
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a positive integer, got '" + values.get(key) + "'");
        }
    }

    public int mode() {
        String v = values.get("socket_mode");
        if (!v.matches("^0?[0-7]{3}$")) {
            throw new IllegalArgumentException("socket_mode must be an octal mode like 0660, got '" + v + "'");
        }
        return Integer.parseInt(v, 8);
    }

    public Duration duration(String key) {
        Matcher m = DURATION.matcher(values.get(key));
        if (!m.matches()) {
            throw new IllegalArgumentException(key + " must be a duration like 500ms, 20s or 2m, got '" + values.get(key) + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
        if (d.isZero()) {
            throw new IllegalArgumentException(key + " must be longer than zero");
        }
        return d;
    }

    /** A duration, or empty when the value is "off". */
    public java.util.Optional<Duration> durationOrOff(String key) {
        return values.get(key).equals("off") ? java.util.Optional.empty() : java.util.Optional.of(duration(key));
    }

    public boolean bool(String key) {
        return switch (values.get(key)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException(key + " must be true/false (or yes/no, on/off), got '" + values.get(key) + "'");
        };
    }

    /** Comma-separated device, map or WWID names. */
    public Set<String> names(String key) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String s : values.get(key).split(",")) {
            String t = s.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("^[A-Za-z0-9_][A-Za-z0-9_.:+@=-]{0,127}$")) {
                throw new IllegalArgumentException(key + ": '" + t + "' is not a device, map or WWID name");
            }
            out.add(t);
        }
        return out;
    }

    public Set<String> list(String key) {
        String v = values.get(key);
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String s : v.split(",")) {
            String t = s.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("^[a-z_][a-z0-9_-]{0,31}\\$?$")) {
                throw new IllegalArgumentException(key + ": '" + t + "' is not a user or group name");
            }
            out.add(t);
        }
        return out;
    }

    private static BrickException bad(Path file, int line, String what) {
        return new BrickException(BrickException.Code.INVALID_INPUT, "config " + file + (line > 0 ? ":" + line : "")
                + ": " + what);
    }
}
