package org.brickd.rpc;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Who is on the other end of a connection, from the kernel's SO_PEERCRED at connect time.
 *
 * @param uid    numeric user id, or -1 when only the JDK's names were read and the name is
 *               not in the passwd file
 * @param gid    numeric primary group id, or -1 likewise
 * @param pid    peer process id, or -1 when the connection's descriptor was out of reach
 *               (the JDK's own SO_PEERCRED gives names only; see host/PeerCredentials)
 * @param user   user name as the kernel credentials resolve it
 * @param group  primary group name of the peer process
 * @param groups the primary group plus the user's supplementary groups from the group file;
 *               the kernel hands over only the primary gid, and a member of "brickd" who
 *               connects with another primary group must still count as a member
 */
public record Caller(int uid, int gid, int pid, String user, String group, Set<String> groups) {

    public Caller {
        if (user == null || group == null) {
            throw new IllegalArgumentException("caller needs a user and a group name");
        }
        Set<String> all = new LinkedHashSet<>();
        all.add(group);
        if (groups != null) {
            all.addAll(groups);
        }
        groups = Set.copyOf(all);
    }

    /** A caller known only by its primary group. */
    public Caller(int uid, int gid, int pid, String user, String group) {
        this(uid, gid, pid, user, group, Set.of());
    }

    public boolean isRoot() {
        return uid == 0;
    }
}
