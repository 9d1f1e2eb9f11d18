package org.brickd.rpc;

import java.util.Set;

/**
 * Who may call what. Root may call anything. MUTATE methods are open to the listed users and
 * to members of the listed groups; READ methods to those plus members of the read-only groups.
 * Group membership is the caller's primary group and its supplementary groups ({@link Caller#groups()}).
 */
public final class Authorizer {

    private final Set<String> mutateUsers;
    private final Set<String> mutateGroups;
    private final Set<String> readGroups;

    public Authorizer(Set<String> mutateUsers, Set<String> mutateGroups, Set<String> readGroups) {
        this.mutateUsers = Set.copyOf(mutateUsers);
        this.mutateGroups = Set.copyOf(mutateGroups);
        this.readGroups = Set.copyOf(readGroups);
    }

    /** Only root may call anything. */
    public static Authorizer rootOnly() {
        return new Authorizer(Set.of(), Set.of(), Set.of());
    }

    public boolean allows(Caller caller, Access access) {
        if (caller.isRoot() || mutateUsers.contains(caller.user()) || anyOf(caller, mutateGroups)) {
            return true;
        }
        return access == Access.READ && anyOf(caller, readGroups);
    }

    private static boolean anyOf(Caller caller, Set<String> groups) {
        for (String g : caller.groups()) {
            if (groups.contains(g)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Authorizer[mutate users=" + mutateUsers + " groups=" + mutateGroups + ", read groups=" + readGroups + "]";
    }
}
