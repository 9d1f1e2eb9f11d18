package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.brickd.host.Uevent;
import org.brickd.host.Uevents;
import org.brickd.scsi.Inquiry;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiDisk;
import org.brickd.scsi.Vpd83;
import org.brickd.scsi.WwidProbe;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * host/ against a real kernel: a scsi_debug disk (loaded by the bed before the JVM
 * starts) is found through Sysfs, its WWID is read through SG_IO, and its removal is
 * seen as a uevent.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostLayerKernelTest {

    private static final Pattern LSSCSI = Pattern.compile(
            "^\\[(\\d+:\\d+:\\d+:\\d+)\\]\\s+disk\\s+Linux\\s+scsi_debug\\s+\\S+\\s+(/dev/sd[a-z]+)\\s*$", Pattern.MULTILINE);

    private static Hctl hctl;
    private static BlockDevice disk;

    @BeforeAll
    static void bed() {
        KernelBed.requireBed();
        Matcher m = LSSCSI.matcher(KernelBed.ok("lsscsi"));
        assertThat(m.find()).as("lsscsi lists the bed's scsi_debug disk").isTrue();
        hctl = Hctl.parse("lsscsi", m.group(1));
        disk = BlockDevice.fromDevPath("lsscsi", m.group(2));
    }

    @Test
    @Order(1)
    void sysfsFindsTheScsiDebugDiskWithTheHctlLsscsiShows() {
        List<ScsiDisk> all = new ScsiDevices(KernelBed.SYSFS).all();
        Optional<ScsiDisk> found = all.stream().filter(d -> d.model().equals("scsi_debug")).findFirst();

        assertThat(found).as("scsi_debug among %s", all).isPresent();
        assertThat(found.get().hctl()).isEqualTo(hctl);
        assertThat(found.get().block()).contains(disk);
        assertThat(found.get().state()).isEqualTo("running");
        assertThat(new ScsiDevices(KernelBed.SYSFS).hctlOf(disk)).contains(hctl);
    }

    @Test
    @Order(2)
    void sgIoWwidEqualsWhatSgInqReports() {
        WwidProbe probe = new WwidProbe(KernelBed.DEV, KernelBed.NATIVE, Duration.ofSeconds(10));
        byte[] ours = KernelBed.NATIVE.inquiry(KernelBed.DEV.node(disk), Vpd83.PAGE, Duration.ofSeconds(10));

        // sg_inq's own SG_IO read of the page, as a hex dump: the bytes must be the same
        byte[] theirs = hexDump(KernelBed.ok("sg_inq", "--page=0x83", "-HHHH", disk.devPath()));
        assertThat(HexFormat.of().formatHex(ours)).isEqualTo(HexFormat.of().formatHex(theirs));

        // and the WWID chosen from them is the one the kernel chose (sysfs wwid) and sg_inq prints
        Wwid live = probe.live(disk).orElseThrow();
        Wwid kernels = Wwid.parse("wwid", KernelBed.SYSFS.read("block/" + disk.name() + "/device/wwid").orElseThrow());
        assertThat(live).isEqualTo(kernels);
        String sgInqText = KernelBed.ok("sg_inq", "--page=0x83", disk.devPath());
        assertThat(sgInqText).containsIgnoringCase("0x" + live.kernel().substring("naa.".length()));

        Inquiry std = probe.inquiry(disk);
        assertThat(std.isConnectedDisk()).isTrue();
        assertThat(std.vendor()).isEqualTo("Linux");
        assertThat(std.product()).isEqualTo("scsi_debug");
    }

    @Test
    @Order(3)
    void removalOfTheDiskIsSeenAsAUevent() {
        try (Uevents events = Uevents.open(KernelBed.NATIVE, Duration.ofMillis(250))) {
            assertThat(events.listening()).as("netlink uevent socket opened").isTrue();
            try (Uevents.Subscription removed = events.subscribe(e -> e.isRemove() && e.isDisk(disk.name()))) {
                long t0 = System.nanoTime();
                KernelBed.SYSFS.write("class/scsi_device/" + hctl + "/device/delete", "1");
                Uevent e = removed.await("removal of " + disk, Duration.ofSeconds(20));

                assertThat(e.devpath()).endsWith("/block/" + disk.name());
                System.out.printf("uevent %s after %d ms%n", e, (System.nanoTime() - t0) / 1_000_000);
            }
            events.await(disk + " gone from /dev", () -> !KernelBed.DEV.exists(disk), Duration.ofSeconds(20));
            assertThat(new ScsiDevices(KernelBed.SYSFS).read(hctl)).isEmpty();
        }
    }

    /** Parses sg3_utils' "-HHHH" dump (the --inhex form): hex byte pairs, no offsets, '#' comments. */
    private static byte[] hexDump(String dump) {
        StringBuilder hex = new StringBuilder();
        for (String line : dump.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            for (String tok : line.trim().split("\\s+")) {
                if (tok.matches("[0-9a-fA-F]{2}")) {
                    hex.append(tok);
                }
            }
        }
        return HexFormat.of().parseHex(hex.toString());
    }
}
