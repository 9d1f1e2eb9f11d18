package org.brickd.connector;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.brickd.errors.BrickException;

/**
 * Fair locks by key (a target, a volume), never one lock for the host. A lock is held
 * only while its key's host state is being changed; waiting has a deadline and ends in
 * a "busy" error that names the key.
 */
public final class KeyedLocks {

    private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();
    private final Duration wait;

    public KeyedLocks(Duration wait) {
        this.wait = wait;
    }

    /** A held lock; close() releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    public Held lock(String key) {
        Entry e = locks.compute(key, (k, v) -> {
            Entry x = v == null ? new Entry() : v;
            x.users++;
            return x;
        });
        boolean got = false;
        try {
            got = e.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } finally {
            if (!got) {
                release(key, e, false);
            }
        }
        if (!got) {
            throw new BrickException(BrickException.Code.BUSY, key + " is busy with another operation (waited "
                    + wait.toMillis() + " ms); retry later");
        }
        return () -> release(key, e, true);
    }

    private void release(String key, Entry e, boolean unlock) {
        if (unlock) {
            e.lock.unlock();
        }
        locks.compute(key, (k, v) -> {
            if (v == null) {
                return null;
            }
            v.users--;
            return v.users == 0 ? null : v;
        });
    }

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock(true);
        int users;
    }
}
