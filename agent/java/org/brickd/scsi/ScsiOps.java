package org.brickd.scsi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.HostException;
import org.brickd.host.DevFs;
import org.brickd.host.Native;
import org.brickd.host.Sysfs;
import org.brickd.host.UdevDb;
import org.brickd.host.Uevents;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;

/**
 * Acting on SCSI devices through sysfs: targeted scan, wait for the disk, flush, delete.
 * A scan written to {@code scsi_host/hostH/scan} runs synchronously in the kernel, so
 * when the write returns the SCSI device exists or the LUN is not there; only the sd
 * disk and its /dev node come later, and those are awaited on uevents.
 */
public final class ScsiOps {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScsiOps.class);

    private final Sysfs sysfs;
    private final DevFs dev;
    private final Native nat;
    private final Uevents uevents;
    private final ScsiDevices devices;
    private final UdevDb udevDb;

    public ScsiOps(Sysfs sysfs, DevFs dev, Native nat, Uevents uevents) {
        this.sysfs = sysfs;
        this.dev = dev;
        this.nat = nat;
        this.uevents = uevents;
        this.devices = new ScsiDevices(sysfs);
        this.udevDb = new UdevDb(sysfs.root());
    }

    public ScsiDevices devices() {
        return devices;
    }

    public boolean present(Hctl hctl) {
        return sysfs.exists("class/scsi_device/" + hctl);
    }

    /**
     * Scans exactly one LUN (I2): writes "C T L" to the host's scan file. Never a wildcard.
     * Answers whether the SCSI device exists afterwards.
     */
    public boolean scan(Hctl hctl) {
        String line = hctl.scanLine();
        if (line.contains("-")) {
            throw new IllegalStateException("wildcard scan refused: " + line);
        }
        sysfs.write("class/scsi_host/host" + hctl.host() + "/scan", line);
        return present(hctl);
    }

    /** The device answers as "no device" (peripheral type 0x1f): a LUN that is not really there. */
    public boolean noDevice(Hctl hctl) {
        return sysfs.read("class/scsi_device/" + hctl + "/device/type").map(String::strip).filter("31"::equals).isPresent();
    }

    /**
     * Waits for the sd disk of a SCSI device until its /dev node opens and reports a size.
     * The sysfs entry appears before the disk can be opened, and a node left by an earlier
     * device of the same name may still be there (ENXIO until udev replaces it): opening is
     * the one check that means ready.
     */
    public BlockDevice awaitDisk(Hctl hctl, Duration deadline) {
        BlockDevice[] found = new BlockDevice[1];
        String[] lastError = {"no disk yet"};
        boolean ok = uevents.awaitQuietly(() -> {
            Optional<BlockDevice> b = devices.blockOf(hctl);
            if (b.isEmpty() || !dev.exists(b.get())) {
                return false;
            }
            try {
                if (nat.sizeBytes(dev.node(b.get())) > 0) {
                    found[0] = b.get();
                    return true;
                }
                lastError[0] = b.get() + " reports size 0";
            } catch (HostException e) {
                lastError[0] = e.getMessage(); // not openable yet (ENXIO): re-checked on the next event or poll
            }
            return false;
        }, deadline);
        if (!ok) {
            throw new org.brickd.errors.DeadlineException("timed out after " + deadline.toMillis()
                    + " ms waiting for the disk of SCSI device " + hctl + " to open: " + lastError[0]);
        }
        return found[0];
    }

    /**
     * fsync + BLKFLSBUF on a disk or map, giving up at the deadline: a flush of a device whose
     * paths are all dead can block in the kernel for as long as it queues. Errors propagate
     * (the caller decides about force). The blocked thread is left to the
     * kernel (it returns once the device is removed or fails its I/O); the caller goes on.
     */
    public void flush(BlockDevice disk, Duration deadline) {
        java.util.concurrent.CompletableFuture<Void> f = java.util.concurrent.CompletableFuture.runAsync(
                () -> nat.flushBuffers(dev.node(disk)), FLUSHERS);
        try {
            f.get(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new org.brickd.errors.DeadlineException("flushing " + disk + " did not finish within "
                    + deadline.toMillis() + " ms (I/O queued on a device with no working path?)");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new HostException(e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while flushing " + disk, e);
        }
    }

    private static final java.util.concurrent.ExecutorService FLUSHERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flush");
        t.setDaemon(true);
        return t;
    });

    public long size(BlockDevice disk) {
        return nat.sizeBytes(dev.node(disk));
    }

    /**
     * Deletes a SCSI device and waits until the kernel has removed it and udev has taken its
     * disk's by-id links off it. A device in state "blocked" (transport lost, waiting for
     * recovery) is first asked to go offline, so that the delete does not wait for the
     * transport's recovery timeout where the kernel allows it (Debian 12's 6.1 refuses while
     * blocked, EINVAL, seen on the bed; the delete then goes ahead as it is).
     */
    public void delete(Hctl hctl, Duration deadline) {
        if (!present(hctl)) {
            return;
        }
        String base = "class/scsi_device/" + hctl + "/device/";
        if (sysfs.read(base + "state").filter(s -> s.equals("blocked")).isPresent()) {
            try {
                sysfs.write(base + "state", "offline");
            } catch (HostException e) {
                // Linux takes 'offline' only from running/offline (EINVAL while blocked), and a device
                // that went away meanwhile takes nothing: either way the delete below goes ahead
                LOG.info("{}: not set offline before its delete ({})", hctl, e.getMessage());
            }
        }
        Optional<BlockDevice> disk = devices.blockOf(hctl);
        List<String> links = disk.map(d -> udevDb.links(d).stream().filter(l -> l.startsWith("disk/by-id/")).toList())
                .orElse(List.of());
        try (Uevents.Subscription gone = uevents.subscribe(e -> e.isRemove() && e.devpath().endsWith("/" + hctl))) {
            try {
                sysfs.write(base + "delete", "1");
            } catch (HostException e) {
                if (present(hctl)) {
                    throw e;
                }
                return; // removed by someone else meanwhile
            }
            uevents.await("removal of SCSI device " + hctl, () -> !present(hctl), deadline);
        }
        disk.ifPresent(d -> awaitLinksDropped(d, links, deadline));
    }

    /**
     * udev runs a removed disk's rules on its own time, in parallel with the events of a new
     * disk; if the same volume is attached again first, the late removal takes the new disk's
     * by-id link with it (seen on the bed under load: an attach answered a link that was gone
     * a moment later). So a delete is done once udev has dropped the disk's by-id links; past
     * the deadline the dangling ones are removed here, and that is logged.
     */
    private void awaitLinksDropped(BlockDevice disk, List<String> links, Duration deadline) {
        if (links.isEmpty()
                || uevents.awaitQuietly(() -> links.stream().noneMatch(l -> dev.linkNames(l, disk)), deadline)) {
            return;
        }
        List<String> dangling = links.stream().filter(l -> dev.linkNames(l, disk)).toList();
        LOG.warn("udev did not drop the links {} of removed {} within {} ms: removing them", dangling, disk,
                deadline.toMillis());
        dangling.forEach(dev::removeLink);
    }

    /** Rescans a device's capacity (extend). */
    public void rescan(Hctl hctl) {
        sysfs.write("class/scsi_device/" + hctl + "/device/rescan", "1");
    }
}
