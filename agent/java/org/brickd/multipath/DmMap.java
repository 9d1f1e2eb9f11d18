package org.brickd.multipath;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.brickd.errors.InvalidInputException;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;

/**
 * A dm-multipath map as the kernel shows it in /sys/block/dm-N.
 *
 * @param device    the dm-N node
 * @param name      the map name (the WWID with {@code user_friendly_names no}, else an alias such
 *                  as mpatha); restricted to characters that multipathd's command parser and
 *                  libdevmapper take as one plain word
 * @param wwid      from the uuid {@code mpath-<udev wwid>}, when that parses as a WWID
 * @param slaves    the path devices (sdX) below the map, sorted
 * @param holders   kernel names of devices stacked on the map (partition maps, LVM, md...), for
 *                  "in use" decisions and messages only
 * @param suspended dm/suspended
 * @param openCount from DM_DEVICE_INFO when a {@link org.brickd.host.DevMapper} was given
 */
public record DmMap(BlockDevice device, String name, Optional<Wwid> wwid, List<BlockDevice> slaves,
                    List<String> holders, boolean suspended, OptionalInt openCount) {

    /** One word for multipathd (no space, quote, '#', '!', braces) and a valid dm name (no '/'). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:+@=-]{0,126}");

    public DmMap {
        Objects.requireNonNull(device, "device");
        if (!device.isDm()) {
            throw new InvalidInputException("dm map device", device.name(), "is not dm-N");
        }
        name = checkName(name);
        Objects.requireNonNull(wwid, "wwid");
        slaves = List.copyOf(slaves);
        holders = List.copyOf(holders);
        Objects.requireNonNull(openCount, "openCount");
    }

    /** Refuses a map name that could not be passed to multipathd or libdevmapper as it is. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("dm map name", name,
                    "is not 1-127 characters of A-Z a-z 0-9 _ . : + @ = - (not starting with . : + @ = -)");
        }
        return name;
    }

    /** Open (by a process or a stacked device) as far as we can tell. */
    public boolean inUse() {
        return !holders.isEmpty() || openCount.orElse(0) > 0;
    }

    @Override
    public String toString() {
        return name + " (" + device + ")";
    }
}
