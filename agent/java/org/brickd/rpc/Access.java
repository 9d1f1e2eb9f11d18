package org.brickd.rpc;

/** What a method does to the host: READ only looks, MUTATE attaches, detaches or rewrites. */
public enum Access {
    READ,
    MUTATE
}
