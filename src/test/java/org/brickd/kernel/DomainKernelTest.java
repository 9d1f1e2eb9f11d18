package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.Attached;
import org.brickd.connector.Identity;
import org.brickd.connector.IscsiConnection;
import org.brickd.host.BlockNodes;
import org.brickd.host.CommandResult;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.libvirt.Bdm;
import org.brickd.libvirt.DevicePath;
import org.brickd.libvirt.DomainXml;
import org.brickd.libvirt.Finding;
import org.brickd.libvirt.LibvirtDomains;
import org.brickd.libvirt.MigrationRewrite;
import org.brickd.libvirt.UnmatchedDisksException;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.service.DomainService;
import org.brickd.types.VolumeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * I4/I5 against a real libvirtd in the bed: a running qemu (TCG) domain with two iSCSI
 * volumes as virtio-scsi block disks; a swap done the way nova does it (undefine, block copy
 * onto the new volume with REUSE_EXT, pivot, define from the live XML); check_domain flags
 * it, repair_domain fixes the persistent definition, migration_xml passes libvirt's own
 * validation and fails closed when a BDM is missing. The steps build on each other.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DomainKernelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM = "dk-vm";
    private static final VolumeId VA = VolumeId.parse("a1a1a1a1-0000-4000-8000-00000000000a");
    private static final VolumeId VB = VolumeId.parse("b2b2b2b2-0000-4000-8000-00000000000b");
    private static final VolumeId VN = VolumeId.parse("c3c3c3c3-0000-4000-8000-00000000000c");

    @TempDir
    static Path tmp;

    private static Uevents uevents;
    private static IscsiConnector connector;
    private static final List<IscsiConnection> attached = new ArrayList<>();
    private static Attached a;
    private static Attached b;
    private static Attached n;
    private static Ledger ledger;
    private static DomainService service;

    @BeforeAll
    static void bed() throws Exception {
        KernelBed.requireBed();
        assertThat(KernelBed.run("virsh", "-c", LibvirtDomains.SYSTEM, "version").exitCode())
                .as("libvirtd in the bed (testbed/guest/bed-libvirt.sh)").isZero();
        uevents = Uevents.open(KernelBed.NATIVE, Duration.ofMillis(200));
        connector = KernelBed.singlePathConnector(uevents);
        TargetBed.createLun("dka", 16);
        TargetBed.createLun("dkb", 16);
        TargetBed.createLun("dkn", 16);
        TargetBed.map("dka", 21);
        TargetBed.map("dkb", 22);
        TargetBed.map("dkn", 23);
        a = attach(VA, 21);
        b = attach(VB, 22);
        n = attach(VN, 23);
        ledger = Ledger.open(tmp.resolve("state"));
        service = new DomainService(new LibvirtDomains(LibvirtDomains.SYSTEM), ledger,
                new BlockNodes(KernelBed.ROOT, KernelBed.SYSFS));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        for (String dom : List.of(VM, "dk-other", "dk-copy")) {
            KernelBed.run("virsh", "destroy", dom);
            KernelBed.run("virsh", "undefine", dom);
        }
        for (IscsiConnection c : attached) {
            connector.disconnect(c, true);
        }
        for (int lun : List.of(21, 22, 23)) {
            TargetBed.unmap(lun);
        }
        if (ledger != null) {
            ledger.close();
        }
        if (uevents != null) {
            uevents.close();
        }
        assertThat(TargetBed.leftovers()).as("sessions/devices after the domain tests").isEmpty();
    }

    private static Attached attach(VolumeId vol, int lun) throws Exception {
        String ci = """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": %d, "volume_id": "%s"}}
                """.formatted(vol, TargetBed.PORTAL_1, TargetBed.TARGET_IQN, lun, vol);
        IscsiConnection c = (IscsiConnection) ConnectionInfoJson.parse(JSON.readTree(ci));
        Attached att = connector.connectSingle(c, Identity.none());
        attached.add(0, c);
        return att;
    }

    private static Bdm bdm(VolumeId vol, String dev, String path) {
        return new Bdm(vol, Optional.of("/dev/" + dev), Optional.empty(), false, "iscsi",
                DevicePath.parse("device_path", path), Optional.of(vol));
    }

    private static String disk(String target, String path, VolumeId vol) {
        return """
                    <disk type='block' device='disk'>
                      <driver name='qemu' type='raw' cache='none' io='native'/>
                      <source dev='%s'/>
                      <target dev='%s' bus='scsi'/>
                      <serial>%s</serial>
                      <alias name='ua-%s'/>
                    </disk>
                """.formatted(path, target, vol, vol);
    }

    private static String domainXml(String name, String uuid, String disks) {
        return """
                <domain type='qemu'>
                  <name>%s</name>
                  <uuid>%s</uuid>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type arch='x86_64' machine='pc'>hvm</type>
                  </os>
                  <devices>
                    <emulator>/usr/bin/qemu-system-x86_64</emulator>
                    <controller type='scsi' index='0' model='virtio-scsi'/>
                %s    <console type='pty'/>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(name, uuid, disks);
    }

    private static String file(String name, String content) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p.toString();
    }

    private static String virsh(String... args) {
        List<String> argv = new ArrayList<>(List.of("virsh", "-c", LibvirtDomains.SYSTEM));
        argv.addAll(List.of(args));
        return KernelBed.ok(argv.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void aNovaSwapLeavesTheOldSerialAndCheckDomainFlagsIt() throws Exception {
        String xml = domainXml(VM, "d0d0d0d0-0000-4000-8000-0000000000d0",
                disk("sda", a.path(), VA) + disk("sdb", b.path(), VB));
        virsh("define", file("vm.xml", xml));
        long t0 = System.nanoTime();
        virsh("start", VM);
        System.out.printf("domain start %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        // consistent before the swap
        List<Bdm> before = List.of(bdm(VA, "sda", a.path()), bdm(VB, "sdb", b.path()));
        assertThat(service.check(VM, Optional.empty(), before)).isEmpty();

        // nova's _swap_volume: undefine, blockCopy(REUSE_EXT) onto the new volume, pivot, define the live XML
        virsh("undefine", VM);
        String dest = "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='" + n.path()
                + "'/></disk>";
        t0 = System.nanoTime();
        virsh("blockcopy", VM, "sdb", "--xml", file("dest.xml", dest), "--reuse-external", "--wait", "--pivot",
                "--timeout", "300");
        System.out.printf("blockcopy + pivot %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        virsh("define", file("live.xml", virsh("dumpxml", VM)));

        // nova then records the BDM of the new volume; the disk still carries the old serial and alias
        List<Bdm> after = List.of(bdm(VA, "sda", a.path()), bdm(VN, "sdb", n.path()));
        List<Finding> f = service.check(VM, Optional.empty(), after);

        assertThat(f).containsExactlyInAnyOrder(
                new Finding(VM, "sdb", "serial", VN.toString(), VB.toString()),
                new Finding(VM, "sdb", "alias", "ua-" + VN, "ua-" + VB));
    }

    @Test
    @Order(2)
    void anotherDomainOnTheSameDeviceByAnotherPathIsFlaggedByMajorMinor() throws Exception {
        String other = KernelBed.DEV.resolve(a.path()).orElseThrow().devPath(); // /dev/sdX, not the by-id link
        assertThat(other).isNotEqualTo(a.path());
        virsh("define", file("other.xml", domainXml("dk-other", "d1d1d1d1-0000-4000-8000-0000000000d1",
                disk("sda", other, VB))));
        try {
            List<Finding> f = service.check(VM, Optional.empty(), List.of(bdm(VA, "sda", a.path()),
                    bdm(VN, "sdb", n.path())));
            assertThat(f).filteredOn(x -> x.kind().equals("shared_device")).singleElement().satisfies(x -> {
                assertThat(x.targetDev()).isEqualTo("sda");
                assertThat(x.actual()).contains("dk-other").contains(other);
            });
        } finally {
            virsh("undefine", "dk-other");
        }
    }

    @Test
    @Order(3)
    void repairDomainFixesThePersistentDefinitionAndSaysTheLiveOneLags() {
        List<Bdm> bdms = List.of(bdm(VA, "sda", a.path()), bdm(VN, "sdb", n.path()));

        DomainService.Repair dry = service.repair(VM, Optional.empty(), bdms, true);
        assertThat(dry.changes()).noneMatch(DomainService.Applied::applied);
        assertThat(virsh("dumpxml", "--inactive", VM)).contains("<serial>" + VB + "</serial>");

        DomainService.Repair r = service.repair(VM, Optional.empty(), bdms, false);

        assertThat(r.diff()).contains("-      <serial>" + VB + "</serial>").contains("+      <serial>" + VN + "</serial>");
        assertThat(r.changes()).filteredOn(DomainService.Applied::applied)
                .extracting(x -> x.change().field()).containsExactly("serial", "alias");
        assertThat(r.changes()).filteredOn(x -> x.change().scope().equals("live"))
                .extracting(x -> x.change().field()).containsExactly("serial", "alias");
        String persistent = virsh("dumpxml", "--inactive", VM);
        DomainXml p = DomainXml.parse("xml", persistent);
        assertThat(p.disks()).filteredOn(d -> d.targetDev().equals("sdb")).singleElement().satisfies(d -> {
            assertThat(d.serial()).contains(VN.toString());
            assertThat(d.alias()).contains("ua-" + VN);
            assertThat(d.sourcePath()).contains(n.path());
        });
        assertThat(virsh("dumpxml", VM)).as("the running domain keeps its serial").contains("<serial>" + VB + "</serial>");
    }

    @Test
    @Order(4)
    void migrationXmlPassesLibvirtsValidationAndFailsClosedWithoutTheBdm() throws Exception {
        Attachment rec = new Attachment(VN, "", "iscsi", n.wwid(), n.path(), Optional.empty(), List.of(), "{}", false,
                "attached", Optional.empty(), Instant.now());
        ledger.putAttachment(rec);
        // the destination (this bed stands in for it) hands out the volumes' by-id paths; the live sdb still says VB
        List<Bdm> dest = List.of(bdm(VA, "sda", a.path()), bdm(VN, "sdb", n.path()));

        MigrationRewrite.Result r = service.migrationXml(VM, Optional.empty(), dest);

        assertThat(r.rewritten()).hasSize(2).anySatisfy(s -> assertThat(s).startsWith("sdb").contains("by ledger_path"));
        String copy = r.xml().replace("<name>" + VM + "</name>", "<name>dk-copy</name>")
                .replaceAll("<uuid>[^<]*</uuid>", "<uuid>d2d2d2d2-0000-4000-8000-0000000000d2</uuid>");
        CommandResult v = KernelBed.run("virsh", "-c", LibvirtDomains.SYSTEM, "define", "--validate",
                file("copy.xml", copy));
        assertThat(v.exitCode()).as(v.summary()).isZero();
        virsh("undefine", "dk-copy");

        // without the new volume's BDM and without the ledger's record: refused, naming the disk
        ledger.removeAttachments(VN);
        String liveBefore = virsh("dumpxml", VM);
        assertThatThrownBy(() -> service.migrationXml(VM, Optional.empty(), List.of(bdm(VA, "sda", a.path()))))
                .isInstanceOfSatisfying(UnmatchedDisksException.class, e -> assertThat(e.disks()).singleElement()
                        .satisfies(u -> {
                            assertThat(u.targetDev()).isEqualTo("sdb");
                            assertThat(u.serial()).isEqualTo(VB.toString());
                            assertThat(u.sourcePath()).isEqualTo(n.path());
                        }));
        assertThat(virsh("dumpxml", VM)).isEqualTo(liveBefore);
    }
}
