package org.brickd.rpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * User and group names from passwd(5) and group(5) files. The JDK's SO_PEERCRED gives names,
 * not numbers; this turns them back into ids without a subprocess or native call. Accounts
 * that live only in LDAP/sssd are not in the files: their ids come back empty (-1 in a
 * {@link Caller}), and authorization, which goes by name, still works.
 */
public final class PosixNames {

    private record Account(String name, int uid, int gid) {}

    private final Map<String, Account> users = new HashMap<>();
    private final Map<String, Integer> groupIds = new HashMap<>();
    private final Map<Integer, String> groupNames = new HashMap<>();
    private final Map<String, Set<String>> memberOf = new HashMap<>();

    private PosixNames() {}

    /** Parses file contents. Malformed lines, comments and NIS "+"/"-" entries are skipped; the first entry for a name wins, as in glibc. */
    public static PosixNames parse(String passwd, String group) {
        PosixNames n = new PosixNames();
        for (String line : passwd.split("\n")) {
            String[] f = fields(line, 7);
            if (f == null) {
                continue;
            }
            OptionalInt uid = number(f[2]);
            OptionalInt gid = number(f[3]);
            if (uid.isPresent() && gid.isPresent()) {
                n.users.putIfAbsent(f[0], new Account(f[0], uid.getAsInt(), gid.getAsInt()));
            }
        }
        for (String line : group.split("\n")) {
            String[] f = fields(line, 4);
            if (f == null) {
                continue;
            }
            OptionalInt gid = number(f[2]);
            if (gid.isEmpty() || n.groupIds.containsKey(f[0])) {
                continue;
            }
            n.groupIds.put(f[0], gid.getAsInt());
            n.groupNames.putIfAbsent(gid.getAsInt(), f[0]);
            for (String member : f[3].split(",")) {
                String m = member.strip();
                if (!m.isEmpty()) {
                    n.memberOf.computeIfAbsent(m, k -> new LinkedHashSet<>()).add(f[0]);
                }
            }
        }
        return n;
    }

    /** Reads the two files; a missing file counts as empty. */
    public static PosixNames load(Path passwd, Path group) throws IOException {
        return parse(read(passwd), read(group));
    }

    /** /etc/passwd and /etc/group. */
    public static PosixNames system() throws IOException {
        return load(Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    /** The uid of a user name; a name the kernel rendered as a number (no passwd entry) is that number. */
    public OptionalInt uid(String user) {
        Account a = users.get(user);
        return a != null ? OptionalInt.of(a.uid()) : number(user);
    }

    public OptionalInt gid(String group) {
        Integer g = groupIds.get(group);
        return g != null ? OptionalInt.of(g) : number(group);
    }

    public Optional<String> groupName(int gid) {
        return Optional.ofNullable(groupNames.get(gid));
    }

    /** The user's primary group (from passwd) and every group that lists the user as a member. */
    public Set<String> groupsOf(String user) {
        Set<String> out = new LinkedHashSet<>();
        Account a = users.get(user);
        if (a != null) {
            groupName(a.gid()).ifPresent(out::add);
        }
        out.addAll(memberOf.getOrDefault(user, Set.of()));
        return out;
    }

    /** A caller from the names SO_PEERCRED gave; pid is unknown (-1). */
    public Caller caller(String user, String group) {
        return new Caller(uid(user).orElse(-1), gid(group).orElse(-1), -1, user, group, groupsOf(user));
    }

    /** A caller whose pid and ids the kernel gave (SO_PEERCRED through the shim); the files add only groups. */
    public Caller caller(String user, String group, int pid, int uid, int gid) {
        return new Caller(uid, gid, pid, user, group, groupsOf(user));
    }

    private static String[] fields(String line, int count) {
        if (line.isBlank() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
            return null;
        }
        String[] f = line.split(":", -1);
        if (f.length < count || f[0].isEmpty()) {
            return null;
        }
        return f;
    }

    private static OptionalInt number(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        long v = Long.parseLong(s);
        return v <= Integer.MAX_VALUE ? OptionalInt.of((int) v) : OptionalInt.empty();
    }

    private static String read(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }
}
