package org.brickd.iscsi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.brickd.errors.HostException;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;

/**
 * Writes CHAP secrets into open-iscsi's node and discovery records directly, so that a secret is never an
 * argument of iscsiadm (any local user can read a process's argv in /proc while it runs).
 * iscsiadm creates the record and sets every other field; this only replaces or adds the
 * secret's {@code key = value} line, under the same lock iscsiadm takes on its database
 * ({@code link(lock, lock.write)} in /run/lock/iscsi), through a temporary file in the record's
 * directory (mode 0600) renamed over the record. iscsiadm reads the record at login and hands
 * the secret to iscsid over its socket.
 *
 * <p>Where open-iscsi keeps a record for (target, portal): {@code nodes/IQN/ADDR,PORT} (a file,
 * written by {@code --op new} while the target portal group is unknown), or
 * {@code nodes/IQN/ADDR,PORT,TPGT/IFACE} (after discovery); brickd uses the iface "default".
 */
public final class NodeRecords {

    private static final Pattern KEY = Pattern.compile("[a-z_.\\[\\]0-9]+");

    private final Path nodes;
    private final Path sendTargets;
    private final Path lockDir;
    private final Duration lockWait;

    /** open-iscsi's database under {@code root}: etc/iscsi/nodes and send_targets, its lock in run/lock/iscsi. */
    public NodeRecords(Path root, Duration lockWait) {
        this.nodes = root.resolve("etc/iscsi/nodes");
        this.sendTargets = root.resolve("etc/iscsi/send_targets");
        this.lockDir = root.resolve("run/lock/iscsi");
        this.lockWait = lockWait;
    }

    /** Sets {@code key} (a node.session.auth.* secret) in the record of (target, portal). */
    public void setSecret(Portal portal, Iqn target, String key, String secret) {
        check(key, secret);
        withLock(() -> {
            List<Path> records = recordsOf(portal, target);
            if (records.isEmpty()) {
                throw new HostException("no open-iscsi node record for " + target + " at " + portal + " under " + nodes
                        + " (iscsiadm --op new made none where open-iscsi keeps them)");
            }
            for (Path r : records) {
                rewrite(r, key, secret);
            }
        });
    }

    /**
     * Sets {@code key} (a discovery.sendtargets.auth.* secret) in the SendTargets discovery record
     * of {@code portal}, send_targets/ADDR,PORT/st_config, which {@code iscsiadm -m discoverydb
     * --op new} made.
     */
    public void setDiscoverySecret(Portal portal, String key, String secret) {
        check(key, secret);
        Path record = sendTargets.resolve(portal.host() + "," + portal.port()).resolve("st_config");
        withLock(() -> {
            if (!Files.isRegularFile(record)) {
                throw new HostException("no open-iscsi discovery record for " + portal + " (" + record
                        + "; iscsiadm --op new made none where open-iscsi keeps them)");
            }
            rewrite(record, key, secret);
        });
    }

    private static void check(String key, String secret) {
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("not a record key: " + key);
        }
        // Chap refuses these at the input; here they would be a bug breaking the record's line
        if (secret.indexOf('\n') >= 0 || secret.indexOf('\r') >= 0 || !secret.equals(secret.strip())) {
            throw new IllegalArgumentException("a secret with a line break or edge blanks cannot be stored in a record");
        }
    }

    /** The record files of (target, portal), old style and per target portal group. */
    List<Path> recordsOf(Portal portal, Iqn target) {
        Path dir = nodes.resolve(target.toString());
        String prefix = portal.host() + "," + portal.port();
        List<Path> found = new ArrayList<>();
        if (Files.isRegularFile(dir.resolve(prefix))) {
            found.add(dir.resolve(prefix));
        }
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> tpgs = Files.newDirectoryStream(dir, prefix + ",*")) {
            for (Path tpg : tpgs) {
                if (tpg.getFileName().toString().substring(prefix.length() + 1).matches("\\d+")
                        && Files.isRegularFile(tpg.resolve("default"))) {
                    found.add(tpg.resolve("default"));
                }
            }
        } catch (IOException e) {
            throw new HostException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return found;
    }

    private static void rewrite(Path record, String key, String value) {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(record, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HostException("cannot read the node record " + record + ": " + e.getMessage(), e);
        }
        String line = key + " = " + value;
        boolean replaced = false;
        for (int i = 0; i < lines.size(); i++) {
            if (keyOf(lines.get(i)).equals(key)) {
                lines.set(i, line);
                replaced = true;
            }
        }
        if (!replaced) {
            int end = lines.size();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("# END RECORD")) {
                    end = i;
                }
            }
            lines.add(end, line);
        }
        Path tmp = record.resolveSibling("." + record.getFileName() + ".brickd.tmp");
        try {
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
            Files.move(tmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            HostException failed = new HostException("cannot write the node record " + record + ": " + e.getMessage(), e);
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException again) {
                failed.addSuppressed(again);
            }
            throw failed;
        }
    }

    /** The key of a "key = value" line as open-iscsi parses it; "" for comments and blank lines. */
    static String keyOf(String line) {
        String s = line.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return "";
        }
        int end = 0;
        while (end < s.length() && !Character.isWhitespace(s.charAt(end)) && s.charAt(end) != '=') {
            end++;
        }
        return s.substring(0, end);
    }

    /**
     * Takes iscsiadm's lock, waiting for its holder to remove lock.write (inotify on the lock
     * directory, watched before the first try so a removal in between is not missed), at most
     * {@code lockWait}.
     */
    private void acquire(Path lock, Path write) {
        long deadline = System.nanoTime() + lockWait.toNanos();
        try (WatchService removals = lockDir.getFileSystem().newWatchService()) {
            lockDir.register(removals, StandardWatchEventKinds.ENTRY_DELETE);
            while (true) {
                try {
                    Files.createLink(write, lock);
                    return;
                } catch (FileAlreadyExistsException held) {
                    long left = deadline - System.nanoTime();
                    WatchKey removed = left > 0 ? removals.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (removed == null) {
                        throw new HostException("open-iscsi's database stayed locked (" + write + ") for "
                                + lockWait.toMillis() + " ms");
                    }
                    removed.pollEvents();
                    removed.reset();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted waiting for open-iscsi's lock", e);
        } catch (IOException e) {
            throw new HostException("cannot take open-iscsi's lock " + write + ": " + e.getMessage(), e);
        }
    }

    /** iscsiadm's lock: whoever creates lock.write as a hard link of lock owns the database. */
    private void withLock(Runnable body) {
        Path lock = lockDir.resolve("lock");
        Path write = lockDir.resolve("lock.write");
        try {
            Files.createDirectories(lockDir);
            if (!Files.exists(lock)) {
                try {
                    Files.createFile(lock);
                } catch (FileAlreadyExistsException raced) {
                    // iscsiadm made it meanwhile
                }
            }
        } catch (IOException e) {
            throw new HostException("cannot prepare open-iscsi's lock in " + lockDir + ": " + e.getMessage(), e);
        }
        acquire(lock, write);
        RuntimeException failed = null;
        try {
            body.run();
        } catch (RuntimeException e) {
            failed = e;
            throw e;
        } finally {
            try {
                Files.delete(write);
            } catch (IOException e) {
                HostException stuck = new HostException("cannot release open-iscsi's lock " + write
                        + " (iscsiadm will wait on it; remove it by hand): " + e.getMessage(), e);
                if (failed == null) {
                    throw stuck;
                }
                failed.addSuppressed(stuck);
            }
        }
    }
}
