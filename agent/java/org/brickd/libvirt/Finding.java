package org.brickd.libvirt;

/**
 * One way a domain differs from what the BDMs, the ledger or the host say (I4). {@code kind}
 * is stable: source_path, ledger_path, serial, alias, no_bdm, missing_disk, unresolved,
 * shared_device, not_checked.
 */
public record Finding(String domain, String targetDev, String kind, String expected, String actual) {}
