package org.brickd.host;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DevMapper} over libdevmapper.so.1.02.1. Names and enum values are those of
 * libdevmapper.h in lvm2 2.03.16 (Debian 12's libdevmapper 1.02.185).
 *
 * <p>udev: a remove carries a udev cookie with DM_UDEV_DISABLE_LIBRARY_FALLBACK, as
 * multipathd and lvm do, so udev's dm rules (not this library) drop the /dev/mapper link and
 * the wait ends when udev has done so; /dev/mapper is then consistent when the call returns.
 * Turning sync off instead (dm_udev_set_sync_support(0)) would make libdevmapper delete the
 * node itself behind udev's back and return before udev has processed the event. The wait
 * is libdevmapper's own semaphore, which has no timeout, so it is polled with
 * dm_udev_wait_immediate up to a deadline; past it the cookie is released by hand and the
 * call returns (the map is gone in the kernel either way). When the ioctl generates no
 * uevent (a deferred remove of an open map) libdevmapper releases the cookie itself. When
 * udev is not running libdevmapper reports no sync support: then no cookie is used and the
 * library's own node handling is left on.
 *
 * <p>libdevmapper keeps global state (ioctl buffer, control fd): calls are serialized.
 */
public final class JnaDevMapper implements DevMapper {

    private static final Logger log = LoggerFactory.getLogger(JnaDevMapper.class);

    interface Lib extends Library {
        Pointer dm_task_create(int type);

        void dm_task_destroy(Pointer dmt);

        int dm_task_set_name(Pointer dmt, String name);

        int dm_task_run(Pointer dmt);

        int dm_task_get_errno(Pointer dmt);

        int dm_task_get_info(Pointer dmt, Pointer info);

        int dm_task_deferred_remove(Pointer dmt);

        int dm_task_set_message(Pointer dmt, String message);

        int dm_task_set_sector(Pointer dmt, long sector);

        int dm_task_no_open_count(Pointer dmt);

        int dm_task_set_cookie(Pointer dmt, IntByReference cookie, short flags);

        int dm_udev_get_sync_support();


        int dm_udev_wait(int cookie);

        int dm_udev_complete(int cookie);
    }

    static final String LIBRARY = "libdevmapper.so.1.02.1";

    // enum in libdevmapper.h: CREATE, RELOAD, REMOVE, REMOVE_ALL, SUSPEND, RESUME, INFO, DEPS, RENAME,
    // VERSION, STATUS, TABLE, WAITEVENT, LIST, CLEAR, MKNODES, LIST_VERSIONS, TARGET_MSG, ...
    static final int DM_DEVICE_REMOVE = 2;
    static final int DM_DEVICE_INFO = 6;
    static final int DM_DEVICE_TARGET_MSG = 17;
    static final short DM_UDEV_DISABLE_LIBRARY_FALLBACK = 0x0020;

    /** struct dm_info (the DM_1_02_97 version, with deferred_remove): 12 ints. */
    private static final int INFO_SIZE = 12 * 4;
    private static final int OFF_EXISTS = 0;
    private static final int OFF_SUSPENDED = 4;
    private static final int OFF_OPEN_COUNT = 16;
    private static final int OFF_MAJOR = 24;
    private static final int OFF_MINOR = 28;
    private static final int OFF_TARGET_COUNT = 36;
    private static final int OFF_DEFERRED_REMOVE = 40;

    private static final int ENXIO = 6;
    private static final int EBUSY = 16;
    /** DM_NAME_LEN - 1. */
    private static final int MAX_NAME = 127;

    private final Lib lib;

    public JnaDevMapper() {
        try {
            this.lib = com.sun.jna.Native.load(LIBRARY, Lib.class);
        } catch (UnsatisfiedLinkError e) {
            throw new HostException("cannot load " + LIBRARY + " (package libdevmapper1.02.1): " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Optional<Info> info(String name) {
        Pointer dmt = create(DM_DEVICE_INFO, name);
        try {
            if (lib.dm_task_run(dmt) == 0) {
                int errno = lib.dm_task_get_errno(dmt);
                if (errno == ENXIO) {
                    return Optional.empty();
                }
                throw new HostException("device-mapper info of map " + name + " failed: " + Errno.describe(errno));
            }
            Memory m = new Memory(INFO_SIZE);
            m.clear();
            if (lib.dm_task_get_info(dmt, m) == 0) {
                throw new HostException("device-mapper info of map " + name + ": no info returned");
            }
            if (m.getInt(OFF_EXISTS) == 0) {
                return Optional.empty();
            }
            return Optional.of(new Info(m.getInt(OFF_MAJOR), m.getInt(OFF_MINOR), m.getInt(OFF_OPEN_COUNT),
                    m.getInt(OFF_SUSPENDED) != 0, m.getInt(OFF_DEFERRED_REMOVE) != 0, m.getInt(OFF_TARGET_COUNT)));
        } finally {
            lib.dm_task_destroy(dmt);
        }
    }

    @Override
    public synchronized Removal remove(String name, boolean deferred, Duration udevDeadline) {
        Pointer dmt = create(DM_DEVICE_REMOVE, name);
        IntByReference cookie = new IntByReference(0);
        boolean sync = lib.dm_udev_get_sync_support() != 0;
        try {
            lib.dm_task_no_open_count(dmt);
            if (deferred && lib.dm_task_deferred_remove(dmt) == 0) {
                throw new HostException("device-mapper: cannot request a deferred remove of map " + name);
            }
            if (lib.dm_task_set_cookie(dmt, cookie, sync ? DM_UDEV_DISABLE_LIBRARY_FALLBACK : 0) == 0) {
                throw new HostException("device-mapper: cannot set a udev cookie for removing map " + name
                        + " (System V semaphores exhausted?)");
            }
            // from here on the cookie exists: it is released on every path below
            if (lib.dm_task_run(dmt) == 0) {
                int errno = lib.dm_task_get_errno(dmt);
                awaitUdev(cookie.getValue(), name, udevDeadline);
                if (errno == ENXIO) {
                    return Removal.NOT_FOUND;
                }
                if (errno == EBUSY) {
                    throw new BrickException(BrickException.Code.BUSY, "map " + name
                            + " is in use (device-mapper remove: EBUSY): close what holds it, or remove it deferred");
                }
                throw new HostException("device-mapper remove of map " + name + " failed: " + Errno.describe(errno));
            }
            awaitUdev(cookie.getValue(), name, udevDeadline);
        } finally {
            lib.dm_task_destroy(dmt);
        }
        if (deferred) {
            Optional<Info> left = info(name);
            if (left.isPresent()) {
                return Removal.DEFERRED;
            }
        }
        return Removal.REMOVED;
    }

    @Override
    public synchronized void message(String name, String message) {
        if (message.isEmpty() || message.indexOf('\0') >= 0 || message.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("bad device-mapper message for " + name + ": " + message);
        }
        Pointer dmt = create(DM_DEVICE_TARGET_MSG, name);
        try {
            lib.dm_task_no_open_count(dmt);
            if (lib.dm_task_set_sector(dmt, 0) == 0 || lib.dm_task_set_message(dmt, message) == 0) {
                throw new HostException("device-mapper: cannot prepare message '" + message + "' for map " + name);
            }
            if (lib.dm_task_run(dmt) == 0) {
                int errno = lib.dm_task_get_errno(dmt);
                throw new HostException("device-mapper message '" + message + "' to map " + name + " failed: "
                        + Errno.describe(errno) + (errno == ENXIO ? " (no such map)" : ""));
            }
        } finally {
            lib.dm_task_destroy(dmt);
        }
    }

    private Pointer create(int type, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || name.indexOf('\0') >= 0
                || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not a device-mapper name: " + name);
        }
        Pointer dmt = lib.dm_task_create(type);
        if (dmt == null) {
            throw new HostException("device-mapper: cannot create a task (out of memory, or no /dev/mapper/control)");
        }
        if (lib.dm_task_set_name(dmt, name) == 0) {
            lib.dm_task_destroy(dmt);
            throw new HostException("device-mapper: name refused: " + name);
        }
        return dmt;
    }

    /**
     * Waits for udev to release the cookie (dm_udev_wait blocks on its semaphore) up to the
     * deadline; past it, completes udev's share by hand so the blocked wait returns.
     */
    private void awaitUdev(int cookie, String name, Duration deadline) {
        if (cookie == 0) {
            return;
        }
        CompletableFuture<Integer> wait = CompletableFuture.supplyAsync(() -> lib.dm_udev_wait(cookie), UDEV_WAITERS);
        try {
            if (wait.get(deadline.toMillis(), TimeUnit.MILLISECONDS) == 0) {
                log.warn("udev cookie {} of map {}: wait failed; /dev/mapper may lag", cookie, name);
            }
        } catch (TimeoutException e) {
            log.warn("udev did not finish with map {} within {} ms; releasing its cookie, /dev/mapper may lag",
                    name, deadline.toMillis());
            lib.dm_udev_complete(cookie); // the blocked dm_udev_wait now returns and frees the semaphore
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lib.dm_udev_complete(cookie);
        } catch (ExecutionException e) {
            log.warn("udev cookie {} of map {}: wait failed: {}", cookie, name, e.getCause().toString());
        }
    }

    private static final ExecutorService UDEV_WAITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "dm-udev-wait");
        t.setDaemon(true);
        return t;
    });
}
