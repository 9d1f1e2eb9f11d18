package org.brickd.libvirt;

import java.util.List;
import org.brickd.errors.BrickException;

/**
 * Volume disks no BDM accounts for (I5): the rewrite stops instead of keeping a source
 * path that on another host names another device (nova bug 2112187).
 */
public final class UnmatchedDisksException extends BrickException {

    /** One disk that could not be matched, and why. */
    public record Unmatched(String targetDev, String serial, String sourcePath, String reason) {}

    private final transient List<Unmatched> disks;

    public UnmatchedDisksException(String domain, String what, List<Unmatched> disks) {
        super(Code.UNMATCHED_DISK, what + " of domain " + domain + " refused: " + disks.size()
                + " volume disk(s) match no BDM by serial or by the ledger's source path: "
                + String.join("; ", disks.stream().map(d -> d.targetDev() + " (serial " + d.serial() + ", source "
                        + d.sourcePath() + ": " + d.reason() + ")").toList())
                + ". Nothing was changed. Fix the BDMs (or repair_domain on the source host) and retry.");
        this.disks = List.copyOf(disks);
    }

    public List<Unmatched> disks() {
        return disks;
    }
}
