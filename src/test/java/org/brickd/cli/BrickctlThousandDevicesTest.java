package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.host.Command;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiDisk;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * brickctl inventory and check, offline, on a host with 1,000 SCSI devices: four iSCSI
 * sessions of 250 LUNs each (logged in with automatic scanning, as an older tool would), of
 * which 100 are recorded in the ledger as attachments (20 of them under a dm map), 2 maps
 * nobody recorded, and 10 devices whose LUN the array unmapped (stale). The rest is unowned.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrickctlThousandDevicesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PORTAL = "127.0.0.1:3260";
    private static final int TARGETS = 4;
    private static final int LUNS = 250;
    private static final int OWNED = 100;
    private static final int MAPPED = 20;
    private static final int STALE = 10;
    private static final String INSTANCE = "11111111-2222-4333-8444-555555555555";

    private OfflineBrickctl brickctl;
    /** H:C:T:L → the volume that owns it, for every owned device. */
    private final Map<String, String> owner = new HashMap<>();
    /** H:C:T:L of the devices whose LUN was unmapped. */
    private final Set<String> stale = new HashSet<>();
    private int devices;

    private static String iqn(int t) {
        return "iqn.2003-01.org.linux-iscsi.testbed:tgt" + t;
    }

    private static String wwid(int t, int lun) {
        return "naa.6001405" + String.format("%025x", t * 1000 + lun);
    }

    private static String volume(int lun) {
        return String.format("aaaaaaaa-1111-4000-8000-%012d", lun);
    }

    @BeforeAll
    void aHostWithAThousandDevices(@TempDir Path dir) {
        List<FakeIscsi.Target> targets = new ArrayList<>();
        for (int t = 0; t < TARGETS; t++) {
            FakeIscsi.Target target = FakeIscsi.target(iqn(t)).portal(PORTAL);
            for (int lun = 1; lun <= LUNS; lun++) {
                target.lun(lun, wwid(t, lun));
            }
            targets.add(target);
        }
        FakeIscsi host = new FakeIscsi(dir.resolve("root"), targets.toArray(FakeIscsi.Target[]::new));
        for (int t = 0; t < TARGETS; t++) {
            for (String op : List.of("--op new", "--login")) {
                List<String> argv = new ArrayList<>(List.of("-m", "node", "-T", iqn(t), "-p", PORTAL));
                argv.addAll(List.of(op.split(" ")));
                assertThat(host.run(Command.of("iscsiadm", Duration.ofSeconds(5)).args(argv.toArray(String[]::new))
                        .build()).exitCode()).isZero();
            }
        }
        Map<Wwid, ScsiDisk> byWwid = new HashMap<>();
        for (ScsiDisk d : new ScsiDevices(host.sysfs()).all()) {
            byWwid.put(d.sysfsWwid().orElseThrow(), d);
        }
        devices = byWwid.size();
        brickctl = new OfflineBrickctl(host, dir);
        try (Ledger ledger = Ledger.open(brickctl.stateDir())) {
            for (int lun = 1; lun <= OWNED; lun++) {
                Wwid w = Wwid.parse(wwid(0, lun));
                ScsiDisk d = byWwid.get(w);
                String disk = d.block().orElseThrow().name();
                Optional<String> map = Optional.empty();
                String path = "/dev/disk/by-id/scsi-" + w.udev();
                if (lun <= MAPPED) {
                    map = Optional.of("mpath" + lun);
                    host.host().dmMap("dm-" + lun, map.get(), "mpath-" + w.udev(), 131072, disk);
                    path = "/dev/disk/by-id/dm-uuid-mpath-" + w.udev();
                }
                ledger.putAttachment(new Attachment(VolumeId.parse(volume(lun)), INSTANCE, "iscsi", w, path, map,
                        List.of(d.hctl() + "=" + disk), "{\"driver_volume_type\": \"iscsi\", \"serial\": \"" + volume(lun)
                                + "\", \"data\": {\"target_portal\": \"" + PORTAL + "\", \"target_iqn\": \"" + iqn(0)
                                + "\", \"target_lun\": " + lun + "}}", false, "attached", Optional.empty(), Instant.now()));
                owner.put(d.hctl().toString(), volume(lun));
            }
        }
        // two maps nobody recorded, over unowned devices of the second target
        for (int lun = 1; lun <= 2; lun++) {
            Wwid w = Wwid.parse(wwid(1, lun));
            host.host().dmMap("dm-" + (100 + lun), "orphan" + lun, "mpath-" + w.udev(), 131072,
                    byWwid.get(w).block().orElseThrow().name());
        }
        for (int lun = LUNS - STALE + 1; lun <= LUNS; lun++) {
            targets.get(TARGETS - 1).unmap(lun);
            stale.add(byWwid.get(Wwid.parse(wwid(TARGETS - 1, lun))).hctl().toString());
        }
    }

    @Test
    void theFixtureHasAThousandDevices() {
        assertThat(devices).isEqualTo(TARGETS * LUNS).isEqualTo(1000);
        assertThat(owner).hasSize(OWNED);
        assertThat(stale).hasSize(STALE);
    }

    @Test
    void inventoryListsEveryDeviceOnceWithItsOwnerInAWellFormedTable() {
        OfflineBrickctl.Run r = brickctl.run("inventory");

        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        int start = lines.indexOf("SCSI DEVICES");
        int end = lines.indexOf("MULTIPATH MAPS");
        assertThat(start).isPositive();
        List<String> table = lines.subList(start + 1, end).stream().filter(l -> !l.isBlank()).toList();
        String header = table.get(0);
        List<String> columns = List.of("HCTL", "DEVICE", "STATE", "SIZE", "VENDOR", "MODEL", "WWID (sysfs)", "HOLDERS",
                "OWNER", "CLASS");
        int[] at = columns.stream().mapToInt(header::indexOf).toArray();
        assertThat(at).as("header %s", header).doesNotContain(-1).isSorted();
        List<String> rows = table.subList(1, table.size());
        assertThat(rows).hasSize(1000);
        Map<String, String> seen = new HashMap<>();
        Map<String, String> classes = new HashMap<>();
        for (String row : rows) {
            String[] cells = new String[columns.size()];
            for (int i = 0; i < cells.length; i++) {
                assertThat(i == 0 || row.charAt(at[i] - 1) == ' ').as("column %s starts after a space in %s",
                        columns.get(i), row).isTrue();
                cells[i] = row.substring(at[i], i + 1 < at.length ? at[i + 1] : row.length()).strip();
                assertThat(cells[i]).as("%s of %s", columns.get(i), row).isNotEmpty().doesNotContain(" ");
            }
            assertThat(seen.put(cells[0], cells[8])).as("%s listed once", cells[0]).isNull();
            classes.put(cells[0], cells[9]);
            assertThat(cells[2]).isEqualTo("running");
            assertThat(cells[3]).isEqualTo("64M");
        }
        Map<String, String> expected = new HashMap<>();
        seen.keySet().forEach(h -> expected.put(h, owner.getOrDefault(h, "-")));
        assertThat(seen).isEqualTo(expected);
        assertThat(seen.values().stream().filter(o -> !o.equals("-"))).hasSize(OWNED);
        // the stale class from a live read: the unmapped LUNs are stale, devices nobody owns unowned
        classes.forEach((h, c) -> assertThat(c).as("class of %s", h)
                .isEqualTo(stale.contains(h) ? "stale" : owner.containsKey(h) ? "-" : "unowned"));
        int attachments = lines.indexOf("ATTACHMENTS");
        List<String> maps = lines.subList(end + 2, attachments).stream().filter(l -> !l.isBlank()).toList();
        assertThat(maps).as("a row per map, its one path's SCSI state").hasSize(MAPPED + 2)
                .allSatisfy(l -> assertThat(l).matches(".*\\bsd[a-z]+:running$"));
        assertThat(lines.subList(attachments + 1, lines.size()).stream().filter(l -> l.contains("aaaaaaaa-1111")))
                .hasSize(OWNED);
    }

    @Test
    void inventoryJsonHasEveryDeviceOnceWithItsOwner() throws Exception {
        OfflineBrickctl.Run r = brickctl.run("--json", "inventory");

        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode inv = JSON.readTree(r.out());
        assertThat(inv.path("iscsi_sessions")).hasSize(TARGETS);
        assertThat(inv.path("attachments")).hasSize(OWNED);
        Map<String, String> seen = new HashMap<>();
        Set<String> disks = new HashSet<>();
        for (JsonNode d : inv.path("scsi_devices")) {
            assertThat(seen.put(d.path("hctl").asText(), d.path("owner").asText("-"))).isNull();
            assertThat(disks.add(d.path("device").asText())).as("disk %s once", d.path("device")).isTrue();
        }
        assertThat(seen).hasSize(1000);
        seen.forEach((h, o) -> assertThat(o).as(h).isEqualTo(owner.getOrDefault(h, "-")));
    }

    @Test
    void checkExitsOneAndListsExactlyTheStaleDevicesAndTheOrphanMaps() {
        OfflineBrickctl.Run r = brickctl.run("check");

        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        List<String> staleLines = r.out().lines().filter(l -> l.startsWith("stale: ")).toList();
        Set<String> listed = new HashSet<>();
        for (String l : staleLines) {
            int open = l.indexOf(" (");
            if (open > 0) {
                listed.add(l.substring(open + 2, l.indexOf(')', open)));
            }
        }
        assertThat(listed).isEqualTo(stale);
        assertThat(staleLines).filteredOn(l -> l.contains("orphan1") || l.contains("orphan2")).hasSize(2);
        assertThat(staleLines).hasSize(STALE + 2);
        assertThat(r.out()).contains("to do: brickctl cleanup --dry-run, then brickctl cleanup").contains(
                "problems found");
        assertThat(r.out().lines().skip(1).limit(5)).extracting(l -> l.trim().split("\\s+"))
                .extracting(f -> f[0] + " " + f[2]).containsExactly("stale PROBLEMS", "drift ok", "unowned PROBLEMS",
                        "ledger ok", "recovery ok");
    }
}
