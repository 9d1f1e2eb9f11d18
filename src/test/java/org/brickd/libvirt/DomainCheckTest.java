package org.brickd.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.types.VolumeId;
import org.junit.jupiter.api.Test;

/** I4 on nova-shaped domains, with host device numbers from a table (the host seam is BlockNodes). */
class DomainCheckTest {

    private final Map<String, String> numbers = new HashMap<>();
    private final DeviceNumbers devs = p -> Optional.ofNullable(numbers.get(p));

    DomainCheckTest() {
        numbers.put(Samples.BY_PATH_A, "8:16");
        numbers.put("/dev/disk/by-id/scsi-" + Samples.WWA, "8:16");
        numbers.put("/dev/disk/by-id/scsi-" + Samples.WWB, "8:32");
        numbers.put("/dev/sdc", "8:48");
    }

    private static List<Bdm> singleBdms() {
        return List.of(Samples.bdm(Samples.VA, "vdb", Samples.BY_PATH_A),
                Samples.bdm(Samples.VB, "vdc", "/dev/disk/by-id/scsi-" + Samples.WWB));
    }

    @Test
    void aDomainThatMatchesItsBdmsIsConsistent() {
        List<Finding> f = DomainCheck.check(Samples.domain("iscsi-single.xml"), singleBdms(), Map.of(), devs,
                DomainCheck.Others.of(List.of()));
        assertThat(f).isEmpty();
    }

    @Test
    void afterADirectSwapSerialAndAliasAreFlaggedWithExpectedAndActual() {
        // nova bug 2112187 data: BDM says VN at /dev/sdc, the disk kept VA's serial and alias
        List<Bdm> bdms = List.of(Samples.bdm(Samples.VN, "vdb", "/dev/sdc"));
        List<Finding> f = DomainCheck.check(Samples.domain("swapped-2112187.xml"), bdms, Map.of(), devs,
                DomainCheck.Others.of(List.of()));

        assertThat(f).containsExactlyInAnyOrder(
                new Finding("instance-00000011", "vdb", "serial", Samples.VN.toString(), Samples.VA.toString()),
                new Finding("instance-00000011", "vdb", "alias", "ua-" + Samples.VN, "ua-" + Samples.VA));
    }

    @Test
    void aSourceThatIsNotTheBdmsOrTheLedgersPathIsFlagged() {
        Map<VolumeId, String> ledger = Map.of(Samples.VA, "/dev/disk/by-id/scsi-" + Samples.WWA);
        List<Bdm> bdms = List.of(Samples.bdm(Samples.VA, "vdb", "/dev/disk/by-id/scsi-" + Samples.WWA),
                Samples.bdm(Samples.VB, "vdc", "/dev/disk/by-id/scsi-" + Samples.WWB));
        List<Finding> f = DomainCheck.check(Samples.domain("iscsi-single.xml"), bdms, ledger, devs,
                DomainCheck.Others.of(List.of()));

        assertThat(f).containsExactlyInAnyOrder(
                new Finding("instance-0000000a", "vdb", "source_path", "/dev/disk/by-id/scsi-" + Samples.WWA,
                        Samples.BY_PATH_A),
                new Finding("instance-0000000a", "vdb", "ledger_path", "/dev/disk/by-id/scsi-" + Samples.WWA,
                        Samples.BY_PATH_A));
    }

    @Test
    void aVolumeDiskWithoutBdmAndABdmWithoutDiskAreBothReported() {
        List<Bdm> bdms = List.of(Samples.bdm(Samples.VA, "vdb", Samples.BY_PATH_A),
                Samples.bdm(Samples.MA, "vdd", "/dev/disk/by-id/scsi-3600140500000000000000000000000dd"));
        List<Finding> f = DomainCheck.check(Samples.domain("iscsi-single.xml"), bdms, Map.of(), devs,
                DomainCheck.Others.of(List.of()));

        assertThat(f).extracting(Finding::targetDev, Finding::kind)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("vdc", "no_bdm"),
                        org.assertj.core.groups.Tuple.tuple("vdd", "missing_disk"));
    }

    @Test
    void twoDomainsOnOneHostDeviceAreFlaggedByDeviceNumberNotByPathString() {
        // the other domain names the same disk by its by-id link, this one by its by-path link
        OtherDisk other = new OtherDisk("instance-000000ff", "vdb", "/dev/disk/by-id/scsi-" + Samples.WWA,
                Optional.of(Samples.VN.toString()), false);
        List<Finding> f = DomainCheck.check(Samples.domain("iscsi-single.xml"), singleBdms(), Map.of(), devs,
                DomainCheck.Others.of(List.of(other)));

        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.kind()).isEqualTo("shared_device");
            assertThat(x.targetDev()).isEqualTo("vdb");
            assertThat(x.expected()).contains("8:16");
            assertThat(x.actual()).contains("instance-000000ff").contains("vdb").contains(Samples.VN.toString());
        });
    }

    @Test
    void shareableDisksOfOneMultiattachVolumeMayShareTheDevice() {
        String path = "/dev/disk/by-id/scsi-" + Samples.WWA;
        DomainXml second = Samples.domain("multiattach-2.xml");
        DomainDisk d2 = Samples.disk(second, "vdb");
        OtherDisk other = new OtherDisk(second.name(), "vdb", path, d2.serial(), d2.shareable());
        List<Bdm> bdms = List.of(Samples.multiattach(Samples.MA, "vdb", path));

        assertThat(DomainCheck.check(Samples.domain("multiattach-1.xml"), bdms, Map.of(), devs,
                DomainCheck.Others.of(List.of(other)))).isEmpty();

        // the same sharing without multiattach in the BDM is a finding
        List<Bdm> plain = List.of(Samples.bdm(Samples.MA, "vdb", path));
        assertThat(DomainCheck.check(Samples.domain("multiattach-1.xml"), plain, Map.of(), devs,
                DomainCheck.Others.of(List.of(other)))).extracting(Finding::kind).containsExactly("shared_device");
    }

    @Test
    void aSourceThatIsNoBlockDeviceHereAndUnreadableOtherDomainsFailClosed() {
        numbers.remove(Samples.BY_PATH_A);
        List<Finding> f = DomainCheck.check(Samples.domain("iscsi-single.xml"), singleBdms(), Map.of(), devs,
                DomainCheck.Others.unavailable("libvirtd is not running"));

        assertThat(f).extracting(Finding::kind).containsExactlyInAnyOrder("unresolved", "not_checked");
        assertThat(f).filteredOn(x -> x.kind().equals("not_checked")).singleElement()
                .extracting(Finding::actual).isEqualTo("libvirtd is not running");
    }

    @Test
    void localDisksAndTheConfigDriveAreNotHeldToAnyBdm() {
        List<Bdm> bdms = List.of(Samples.bdm(Samples.VB, "vdc", "/dev/disk/by-id/scsi-" + Samples.WWB));
        assertThat(DomainCheck.check(Samples.domain("local-configdrive.xml"), bdms, Map.of(), devs,
                DomainCheck.Others.of(List.of()))).isEmpty();
    }
}
