package org.brickd.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * What brickd attached, durably: one SQLite file (WAL, synchronous=FULL, mode 0600).
 * Rows are written before the host is touched (intents) and after (attachments), so a
 * restart knows what was in flight. A ledger that cannot be opened or read stops the
 * daemon: starting blind would forget devices that belong to guests.
 *
 * <p>One connection, its statements serialised by this object's monitor: ledger writes
 * take microseconds to milliseconds, and no host operation runs while it is held.
 */
public final class Ledger implements AutoCloseable {

    public static final String FILE = "ledger.db";

    /** Schema migrations, in order; index + 1 is the schema version they lead to. */
    private static final List<String[]> MIGRATIONS = List.<String[]>of(new String[] {
        """
        CREATE TABLE attachments (
            volume_id     TEXT NOT NULL,
            instance_uuid TEXT NOT NULL DEFAULT '',
            protocol      TEXT NOT NULL,
            wwid          TEXT NOT NULL,
            path          TEXT NOT NULL,
            map           TEXT,
            devices       TEXT NOT NULL,
            connection    TEXT NOT NULL,
            multiattach   INTEGER NOT NULL DEFAULT 0,
            state         TEXT NOT NULL DEFAULT 'attached',
            note          TEXT,
            attached_at   TEXT NOT NULL,
            PRIMARY KEY (volume_id, instance_uuid))
        """,
        """
        CREATE TABLE intents (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            volume_id  TEXT NOT NULL,
            op         TEXT NOT NULL,
            detail     TEXT NOT NULL,
            state      TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at   TEXT,
            outcome    TEXT)
        """,
        "CREATE INDEX intents_open ON intents(state)"
    }, new String[] {
        // version 2: the steps of each intent (login, scan, delete...), recorded before and after each
        """
        CREATE TABLE steps (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            intent_id  INTEGER NOT NULL REFERENCES intents(id),
            seq        INTEGER NOT NULL,
            kind       TEXT NOT NULL,
            detail     TEXT NOT NULL,
            state      TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at   TEXT,
            error      TEXT,
            UNIQUE (intent_id, seq))
        """
    });

    private final Connection db;
    private final Path file;

    private Ledger(Connection db, Path file) {
        this.db = db;
        this.file = file;
    }

    /** Opens (creating if needed) the ledger in {@code stateDir}; any problem is fatal and says which file. */
    public static Ledger open(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        try {
            Files.createDirectories(stateDir);
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw fatal(file, "cannot create it", e);
        }
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
                try (ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
                    String verdict = r.next() ? r.getString(1) : "no answer";
                    if (!"ok".equals(verdict)) {
                        c.close();
                        throw fatal(file, "integrity check failed: " + verdict, null);
                    }
                }
            }
            Ledger l = new Ledger(c, file);
            l.migrate();
            return l;
        } catch (SQLException e) {
            throw fatal(file, "cannot open or read it (" + e.getMessage() + ")", e);
        }
    }

    private static BrickException fatal(Path file, String what, Throwable cause) {
        return new BrickException(BrickException.Code.UNAVAILABLE, "ledger " + file + ": " + what
                + ". brickd will not start without knowing what it attached; restore the file from a backup or "
                + "move it aside after checking the host with 'brickctl inventory'.", cause);
    }

    private void migrate() throws SQLException {
        int version;
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA user_version")) {
            version = r.next() ? r.getInt(1) : 0;
        }
        if (version > MIGRATIONS.size()) {
            throw fatal(file, "its schema version " + version + " is newer than this brickd knows ("
                    + MIGRATIONS.size() + ")", null);
        }
        for (int v = version; v < MIGRATIONS.size(); v++) {
            db.setAutoCommit(false);
            try (Statement s = db.createStatement()) {
                for (String sql : MIGRATIONS.get(v)) {
                    s.execute(sql);
                }
                s.execute("PRAGMA user_version = " + (v + 1));
                db.commit();
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        }
    }

    public synchronized int schemaVersion() {
        return query(() -> {
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA user_version")) {
                return r.next() ? r.getInt(1) : 0;
            }
        });
    }

    // ---- attachments

    public synchronized void putAttachment(Attachment a) {
        update("INSERT OR REPLACE INTO attachments (volume_id, instance_uuid, protocol, wwid, path, map, devices, "
                + "connection, multiattach, state, note, attached_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                a.volumeId().toString(), a.instance(), a.protocol(), a.wwid().udev(), a.path(), a.map().orElse(null),
                String.join(",", a.devices()), a.connection(), a.multiattach() ? 1 : 0, a.state(), a.note().orElse(null),
                a.attachedAt().toString());
    }

    public synchronized List<Attachment> attachments(VolumeId volume) {
        return select("SELECT * FROM attachments WHERE volume_id = ? ORDER BY instance_uuid", volume.toString());
    }

    public synchronized List<Attachment> allAttachments() {
        return select("SELECT * FROM attachments ORDER BY volume_id, instance_uuid");
    }

    public synchronized void removeAttachment(VolumeId volume, String instance) {
        update("DELETE FROM attachments WHERE volume_id = ? AND instance_uuid = ?", volume.toString(), instance);
    }

    public synchronized void removeAttachments(VolumeId volume) {
        update("DELETE FROM attachments WHERE volume_id = ?", volume.toString());
    }

    /** Marks every attachment of the volume fenced (its LUN was reused), with why. */
    public synchronized void fence(VolumeId volume, String note) {
        update("UPDATE attachments SET state = 'fenced', note = ? WHERE volume_id = ?", note, volume.toString());
    }

    /** The WWID recorded when the volume was first attached (while it stays attached). */
    public synchronized Optional<Wwid> recordedWwid(VolumeId volume) {
        return attachments(volume).stream().map(Attachment::wwid).findFirst();
    }

    // ---- intents

    /** Records an operation about to change the host; answers its id. */
    public synchronized long intend(VolumeId volume, String op, String detail) {
        return insert("INSERT INTO intents (volume_id, op, detail, state, started_at) VALUES (?,?,?,'intended',?)",
                volume.toString(), op, detail, Instant.now().toString());
    }

    public synchronized void finish(long intent, boolean ok, String outcome) {
        update("UPDATE intents SET state = ?, ended_at = ?, outcome = ? WHERE id = ?",
                ok ? "done" : "failed", Instant.now().toString(), outcome, intent);
    }

    /** Intents that were started and never finished: the work a restart must resolve. */
    public synchronized List<Intent> openIntents() {
        return query(() -> {
            List<Intent> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement(
                    "SELECT id, volume_id, op, detail, started_at FROM intents WHERE state = 'intended' ORDER BY id");
                    ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new Intent(r.getLong(1), VolumeId.parse("ledger", r.getString(2)), r.getString(3),
                            r.getString(4), Instant.parse(r.getString(5))));
                }
            }
            return out;
        });
    }

    /** An unfinished host change. */
    public record Intent(long id, VolumeId volumeId, String op, String detail, Instant startedAt) {}

    // ---- steps of an intent

    /** Records one step of {@code intent} as intended (committed before it runs); answers the step's row id. */
    public synchronized long stepIntended(long intent, String kind, String detail) {
        return insert("INSERT INTO steps (intent_id, seq, kind, detail, state, started_at) VALUES "
                + "(?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE intent_id = ?), ?, ?, 'intended', ?)",
                intent, intent, kind, detail, Instant.now().toString());
    }

    /** Marks a step done, or failed with why. */
    public synchronized void stepEnded(long step, boolean ok, String error) {
        update("UPDATE steps SET state = ?, ended_at = ?, error = ? WHERE id = ?", ok ? "done" : "failed",
                Instant.now().toString(), error, step);
    }

    /** The steps of {@code intent}, in the order they were intended. */
    public synchronized List<Step> steps(long intent) {
        return query(() -> {
            List<Step> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement("SELECT seq, kind, detail, state, started_at, ended_at, error"
                    + " FROM steps WHERE intent_id = ? ORDER BY seq")) {
                p.setLong(1, intent);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(new Step(intent, r.getInt(1), r.getString(2), r.getString(3), r.getString(4),
                                Instant.parse(r.getString(5)), Optional.ofNullable(r.getString(6)).map(Instant::parse),
                                Optional.ofNullable(r.getString(7))));
                    }
                }
            }
            return out;
        });
    }

    /** One host-changing step of an intent; {@code state} is intended, done or failed. */
    public record Step(long intentId, int seq, String kind, String detail, String state, Instant startedAt,
            Optional<Instant> endedAt, Optional<String> error) {
        @Override
        public String toString() {
            return kind + " " + detail + " " + state;
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new BrickException(BrickException.Code.INTERNAL, "closing ledger " + file + ": " + e.getMessage(), e);
        }
    }

    // ---- plumbing

    private interface Sql<T> {
        T run() throws SQLException;
    }

    private <T> T query(Sql<T> q) {
        try {
            return q.run();
        } catch (SQLException e) {
            throw new BrickException(BrickException.Code.INTERNAL, "ledger " + file + ": " + e.getMessage(), e);
        }
    }

    private void update(String sql, Object... args) {
        query(() -> {
            try (PreparedStatement p = db.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    p.setObject(i + 1, args[i]);
                }
                return p.executeUpdate();
            }
        });
    }

    /** Runs one INSERT; answers the new row's id. */
    private long insert(String sql, Object... args) {
        return query(() -> {
            try (PreparedStatement p = db.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
                for (int i = 0; i < args.length; i++) {
                    p.setObject(i + 1, args[i]);
                }
                p.executeUpdate();
                try (ResultSet k = p.getGeneratedKeys()) {
                    k.next();
                    return k.getLong(1);
                }
            }
        });
    }

    private List<Attachment> select(String sql, Object... args) {
        return query(() -> {
            List<Attachment> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    p.setObject(i + 1, args[i]);
                }
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        String devs = r.getString("devices");
                        out.add(new Attachment(VolumeId.parse("ledger", r.getString("volume_id")),
                                r.getString("instance_uuid"), r.getString("protocol"),
                                Wwid.parse("ledger", r.getString("wwid")), r.getString("path"),
                                Optional.ofNullable(r.getString("map")),
                                devs.isEmpty() ? List.of() : List.of(devs.split(",")),
                                r.getString("connection"), r.getInt("multiattach") != 0, r.getString("state"),
                                Optional.ofNullable(r.getString("note")), Instant.parse(r.getString("attached_at"))));
                    }
                }
            }
            return out;
        });
    }
}
