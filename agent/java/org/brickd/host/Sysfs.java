package org.brickd.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.HostException;

/**
 * sysfs under a root directory: "/" on a host, a temp tree in unit tests.
 * Paths are relative to {@code <root>/sys}, e.g. {@code class/scsi_host/host6/scan}.
 * Attributes that vanish while being read (devices come and go) read as empty.
 */
public class Sysfs {

    private final Path root;
    private final Path sys;

    public Sysfs(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.sys = this.root.resolve("sys");
    }

    public Path root() {
        return root;
    }

    /** The attribute's content without the trailing newline, or empty when it does not exist or cannot be read. */
    public Optional<String> read(String relative) {
        Path p = HostPaths.under(sys, relative);
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8);
            return Optional.of(stripNewline(s));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ENXIO/EIO on attributes such as 'wwid' of a device that has none, or a device mid-removal
            return Optional.empty();
        }
    }

    /** Raw bytes of a binary attribute (vpd_pg83), or empty. */
    public Optional<byte[]> readBytes(String relative) {
        Path p = HostPaths.under(sys, relative);
        try {
            return Optional.of(Files.readAllBytes(p));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public boolean exists(String relative) {
        return Files.exists(HostPaths.under(sys, relative));
    }

    /** Names in a directory, sorted; empty when the directory does not exist. */
    public List<String> list(String relative) {
        Path p = HostPaths.under(sys, relative);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path e : ds) {
                names.add(e.getFileName().toString());
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw new HostException("cannot list /sys/" + relative + ": " + e.getMessage(), e);
        }
        Collections.sort(names);
        return names;
    }

    /**
     * Where a sysfs link points, as a path relative to /sys (e.g.
     * {@code devices/platform/host6/session1/target6:0:0/6:0:0:1}); empty when it does not exist.
     */
    public Optional<String> resolve(String relative) {
        Path p = HostPaths.under(sys, relative);
        try {
            Path real = p.toRealPath();
            Path realSys = sys.toRealPath();
            if (!real.startsWith(realSys)) {
                return Optional.empty();
            }
            return Optional.of(realSys.relativize(real).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes a control file (scan, delete, rescan, state) the way the kernel expects:
     * one write(2) of the whole value on an existing file, no create, no shell.
     */
    public void write(String relative, String value) {
        Path p = HostPaths.under(sys, relative);
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in sysfs value for " + relative);
        }
        try {
            doWrite(p, value.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            throw new HostException("cannot write /sys/" + relative + ": it does not exist (device gone?)", e);
        } catch (IOException e) {
            throw new HostException("cannot write '" + value + "' to /sys/" + relative + ": " + e.getMessage(), e);
        }
    }

    /** The actual write; unit-test hosts override it to make the fake kernel react. */
    protected void doWrite(Path file, byte[] value) throws IOException {
        Files.write(file, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static String stripNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\0')) {
            end--;
        }
        return s.substring(0, end);
    }
}
