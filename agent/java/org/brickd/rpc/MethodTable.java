package org.brickd.rpc;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The methods a server answers, each with the access it needs. */
public final class MethodTable {

    /** One registered method. */
    public record Entry(String name, Access access, RpcMethod method) {}

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** Adds a method; a name may be registered once. Returns this table for chaining. */
    public MethodTable register(String name, Access access, RpcMethod method) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad method name " + name + ": want lower_case words joined by dots");
        }
        if (access == null || method == null) {
            throw new IllegalArgumentException("method " + name + " needs an access and an implementation");
        }
        if (entries.putIfAbsent(name, new Entry(name, access, method)) != null) {
            throw new IllegalArgumentException("method " + name + " is already registered");
        }
        return this;
    }

    public Optional<Entry> lookup(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    public Set<String> names() {
        return new TreeSet<>(entries.keySet());
    }
}
