package org.brickd.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.HostException;
import org.brickd.errors.InvalidInputException;
import org.brickd.types.BlockDevice;

/**
 * /dev under a root directory. brickd reads device nodes and udev's stable links here;
 * it never creates nodes (udev does) and only removes udev links it knows are stale.
 */
public class DevFs {

    private final Path root;
    private final Path dev;

    public DevFs(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.dev = this.root.resolve("dev");
    }

    /** The host path of a device node, for handing to {@link Native}. */
    public Path node(BlockDevice device) {
        return dev.resolve(device.name());
    }

    public boolean exists(BlockDevice device) {
        return Files.exists(node(device), LinkOption.NOFOLLOW_LINKS);
    }

    /** A path relative to /dev, e.g. {@code disk/by-id/wwn-0x6001405...}. */
    public Path path(String relative) {
        return HostPaths.under(dev, relative);
    }

    public boolean exists(String relative) {
        return Files.exists(path(relative), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The device a /dev path stands for, following udev's links. Accepts an absolute
     * path that starts with /dev/ and resolves, inside /dev, to an sdX or dm-N node;
     * anything else is refused before it is opened.
     */
    public Optional<BlockDevice> resolve(String absoluteDevPath) {
        if (absoluteDevPath == null || !absoluteDevPath.startsWith("/dev/")) {
            throw new InvalidInputException("device_path", absoluteDevPath, "must be a path under /dev/");
        }
        Path p = path(absoluteDevPath.substring("/dev/".length()));
        try {
            Path real = p.toRealPath();
            Path realDev = dev.toRealPath();
            if (!real.getParent().equals(realDev)) {
                throw new InvalidInputException("device_path", absoluteDevPath, "does not resolve to a node directly in /dev");
            }
            return Optional.of(BlockDevice.parse("device_path", real.getFileName().toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new HostException("cannot resolve " + absoluteDevPath + ": " + e.getMessage(), e);
        }
    }

    /** Names in a /dev directory, sorted; empty when it does not exist. */
    public List<String> list(String relative) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path(relative))) {
            for (Path e : ds) {
                names.add(e.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new HostException("cannot list /dev/" + relative + ": " + e.getMessage(), e);
        }
        Collections.sort(names);
        return names;
    }

    /** Whether {@code relative} is a link whose target names {@code device}, read without following it. */
    public boolean linkNames(String relative, BlockDevice device) {
        Path p = path(relative);
        try {
            Path target = Files.readSymbolicLink(p).getFileName();
            return target != null && target.toString().equals(device.name());
        } catch (NotLinkException | NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new HostException("cannot read link /dev/" + relative + ": " + e.getMessage(), e);
        }
    }

    /** Removes a udev link that points at a device that is gone; never a node. */
    public void removeLink(String relative) {
        Path p = path(relative);
        if (!Files.isSymbolicLink(p)) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new HostException("cannot remove stale link /dev/" + relative + ": " + e.getMessage(), e);
        }
    }
}
