package org.brickd.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.brickd.errors.BrickException;
import org.junit.jupiter.api.Test;

/** I5: every volume disk is matched or the rewrite fails; nova bug 2112187 reproduced. */
class MigrationRewriteTest {

    private static final String DEST_A = "/dev/disk/by-id/scsi-3600140511111111000040008000000aa";
    private static final String DEST_B = "/dev/disk/by-id/dm-uuid-mpath-3600140522222222000040008000000bb";

    /**
     * nova's _update_volume_xml (nova/virt/libvirt/migration.py), reduced to the source path:
     * a disk whose serial no BDM has is skipped, so it keeps the source host's path.
     */
    static String novaRewrite(DomainXml source, List<Bdm> destination) {
        DomainXml d = source.copy();
        Map<String, Bdm> bySerial = destination.stream()
                .collect(Collectors.toMap(b -> b.volumeId().toString(), b -> b));
        for (DomainDisk disk : d.disks()) {
            Bdm b = disk.serial().map(bySerial::get).orElse(null);
            if (b == null) {
                continue;
            }
            disk.setSourceDev(b.devicePath().value());
        }
        return d.render();
    }

    @Test
    void everyVolumeDiskGetsTheDestinationPathAndNothingElseChanges() {
        DomainXml src = Samples.domain("iscsi-multipath.xml");
        List<Bdm> dest = List.of(Samples.bdm(Samples.VA, "vdb", DEST_A), Samples.bdm(Samples.VB, "vdc", DEST_B));

        MigrationRewrite.Result r = MigrationRewrite.rewrite(src, dest, Map.of());

        DomainXml out = DomainXml.parse("xml", r.xml());
        assertThat(Samples.disk(out, "vdb").sourcePath()).contains(DEST_A);
        assertThat(Samples.disk(out, "vdc").sourcePath()).contains(DEST_B);
        assertThat(Samples.disk(out, "vdb").serial()).contains(Samples.VA.toString());
        String expected = src.original().replace("<source dev='/dev/dm-3' index='1'/>",
                "<source dev='" + DEST_A + "' index='1'/>").replace(
                "<source dev='/dev/disk/by-id/dm-uuid-mpath-" + Samples.WWB + "' index='2'/>",
                "<source dev='" + DEST_B + "' index='2'/>");
        assertThat(r.xml()).isEqualTo(expected);
        assertThat(r.leftAlone()).singleElement().asString().startsWith("vda");
    }

    @Test
    void bug2112187NovaKeepsTheSourceHostPathBrickdRefuses() {
        // after a direct swap VA -> VN: the BDM says VN, the disk still says serial VA, source /dev/sdc
        DomainXml src = Samples.domain("swapped-2112187.xml");
        List<Bdm> dest = List.of(Samples.bdm(Samples.VN, "vdb", "/dev/sdd"));

        String nova = novaRewrite(src, dest);
        assertThat(Samples.disk(DomainXml.parse("xml", nova), "vdb").sourcePath())
                .as("nova's rewrite leaves the source host's device path in the destination XML")
                .contains("/dev/sdc");

        assertThatThrownBy(() -> MigrationRewrite.rewrite(src, dest, Map.of()))
                .isInstanceOfSatisfying(UnmatchedDisksException.class, e -> {
                    assertThat(e.code()).isEqualTo(BrickException.Code.UNMATCHED_DISK);
                    assertThat(e.disks()).singleElement().satisfies(u -> {
                        assertThat(u.targetDev()).isEqualTo("vdb");
                        assertThat(u.serial()).isEqualTo(Samples.VA.toString());
                        assertThat(u.sourcePath()).isEqualTo("/dev/sdc");
                    });
                    assertThat(e.getMessage()).contains("vdb").contains("/dev/sdc").contains("Nothing was changed");
                });
    }

    @Test
    void afterASwapTheLedgersPathIdentifiesTheVolume() {
        DomainXml src = Samples.domain("swapped-2112187.xml");
        List<Bdm> dest = List.of(Samples.bdm(Samples.VN, "vdb", "/dev/sdd"));

        MigrationRewrite.Result r = MigrationRewrite.rewrite(src, dest, Map.of(Samples.VN, "/dev/sdc"));

        assertThat(Samples.disk(DomainXml.parse("xml", r.xml()), "vdb").sourcePath()).contains("/dev/sdd");
        assertThat(r.rewritten()).singleElement().asString().contains("by ledger_path");
    }

    @Test
    void aDestinationDevicePathEqualToTheSourceStringIsNoMatch() {
        // the same /dev/sdc string on the destination says nothing about which volume the disk is
        DomainXml src = Samples.domain("swapped-2112187.xml");
        List<Bdm> dest = List.of(Samples.bdm(Samples.VN, "vdb", "/dev/sdc"));

        assertThatThrownBy(() -> MigrationRewrite.rewrite(src, dest, Map.of()))
                .isInstanceOf(UnmatchedDisksException.class);
    }

    @Test
    void everyUnmatchedDiskIsListedNotOnlyTheFirst() {
        DomainXml src = Samples.domain("fc.xml");

        assertThatThrownBy(() -> MigrationRewrite.rewrite(src, List.of(), Map.of()))
                .isInstanceOfSatisfying(UnmatchedDisksException.class, e -> assertThat(e.disks())
                        .extracting(UnmatchedDisksException.Unmatched::targetDev).containsExactly("vdb", "vdc"));
    }

    @Test
    void aSerialThatContradictsTheLedgerIsRefused() {
        // serial says VA, but the ledger recorded that path for VB: the disk really is VB's device
        DomainXml src = Samples.domain("iscsi-single.xml");
        List<Bdm> dest = List.of(Samples.bdm(Samples.VA, "vdb", DEST_A), Samples.bdm(Samples.VB, "vdc", DEST_B));

        assertThatThrownBy(() -> MigrationRewrite.rewrite(src, dest, Map.of(Samples.VB, Samples.BY_PATH_A)))
                .isInstanceOfSatisfying(UnmatchedDisksException.class, e -> assertThat(e.disks()).singleElement()
                        .satisfies(u -> assertThat(u.reason()).contains("ledger says")));
    }

    @Test
    void localDiskAndConfigDriveAreLeftAloneExplicitly() {
        DomainXml src = Samples.domain("local-configdrive.xml");
        List<Bdm> dest = List.of(Samples.bdm(Samples.VB, "vdc", DEST_B));

        MigrationRewrite.Result r = MigrationRewrite.rewrite(src, dest, Map.of());

        assertThat(r.leftAlone()).hasSize(3).anySatisfy(s -> assertThat(s).startsWith("sda (cdrom, file ")
                .endsWith("/disk.config)"));
        assertThat(r.xml()).isEqualTo(src.original().replace("/dev/disk/by-id/scsi-" + Samples.WWB, DEST_B));
    }

    @Test
    void encryptedAndMultiattachDisksKeepTheirSecretAndShareable() {
        DomainXml luks = Samples.domain("luks.xml");
        MigrationRewrite.Result r = MigrationRewrite.rewrite(luks, List.of(Samples.bdm(Samples.VA, "vdb", DEST_A),
                Samples.bdm(Samples.VB, "vdc", DEST_B)), Map.of());
        DomainDisk vdb = Samples.disk(DomainXml.parse("xml", r.xml()), "vdb");
        assertThat(vdb.encryptionSecret()).contains("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");
        assertThat(vdb.sourcePath()).contains(DEST_A);

        DomainXml ma = Samples.domain("multiattach-1.xml");
        MigrationRewrite.Result r2 = MigrationRewrite.rewrite(ma, List.of(Samples.multiattach(Samples.MA, "vdb", DEST_A)),
                Map.of());
        assertThat(Samples.disk(DomainXml.parse("xml", r2.xml()), "vdb").shareable()).isTrue();
    }
}
