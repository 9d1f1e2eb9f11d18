package org.brickd.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.brickd.types.BlockDevice;

/**
 * udev's database of processed devices, /run/udev/data/b&lt;major&gt;:&lt;minor&gt; under a root.
 * multipathd reads a path's WWID from it (uid_attribute ID_SERIAL) and refuses a path udev
 * has not finished with; the entry appears when udev has run its rules for the device's
 * last event. Read only.
 */
public final class UdevDb {

    private static final Pattern DEVNUM = Pattern.compile("\\d{1,9}:\\d{1,9}");

    private final Sysfs sysfs;
    private final Path data;

    public UdevDb(Path root) {
        this.sysfs = new Sysfs(root);
        this.data = root.toAbsolutePath().normalize().resolve("run/udev/data");
    }

    /** The device's udev properties (the E: lines), or empty while udev has not processed it. */
    public Optional<Map<String, String>> properties(BlockDevice device) {
        return lines(device).map(lines -> {
            Map<String, String> props = new LinkedHashMap<>();
            for (String line : lines) {
                int eq = line.indexOf('=');
                if (line.startsWith("E:") && eq > 2) {
                    props.put(line.substring(2, eq), line.substring(eq + 1));
                }
            }
            return props;
        });
    }

    /** The links udev made for the device (the S: lines, relative to /dev); empty when it has none or no entry. */
    public List<String> links(BlockDevice device) {
        return lines(device).orElse(List.of()).stream().filter(l -> l.startsWith("S:")).map(l -> l.substring(2)).toList();
    }

    private Optional<List<String>> lines(BlockDevice device) {
        Optional<String> devnum = sysfs.read("block/" + device.name() + "/dev").filter(d -> DEVNUM.matcher(d).matches());
        if (devnum.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllLines(HostPaths.under(data, "b" + devnum.get()), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // being rewritten by udev: not ready yet
        }
    }
}
