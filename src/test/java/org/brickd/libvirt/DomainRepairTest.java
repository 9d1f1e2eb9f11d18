package org.brickd.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DomainRepairTest {

    private static final List<Bdm> SWAPPED = List.of(Samples.bdm(Samples.VN, "vdb", "/dev/sdc"));

    @Test
    void afterASwapSerialAndAliasAreRewrittenInThePersistentDefinitionOnly() {
        DomainXml persistent = Samples.domain("swapped-2112187-inactive.xml");
        DomainXml live = Samples.domain("swapped-2112187.xml");

        DomainRepair.Result r = DomainRepair.repair(persistent, Optional.of(live), SWAPPED, Map.of());

        assertThat(r.changes()).filteredOn(c -> c.scope().equals("persistent"))
                .extracting(DomainRepair.Change::targetDev, DomainRepair.Change::field, DomainRepair.Change::from,
                        DomainRepair.Change::to)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("vdb", "serial", Samples.VA.toString(), Samples.VN.toString()),
                        org.assertj.core.groups.Tuple.tuple("vdb", "alias", "ua-" + Samples.VA, "ua-" + Samples.VN));
        assertThat(r.changes()).filteredOn(c -> c.scope().equals("live"))
                .extracting(DomainRepair.Change::field).containsExactly("serial", "alias");
        assertThat(r.changes()).filteredOn(c -> c.scope().equals("live"))
                .allSatisfy(c -> assertThat(c.converge()).contains("started again"));
        assertThat(r.xml()).isEqualTo(persistent.original().replace(Samples.VA.toString(), Samples.VN.toString()));
        assertThat(r.diff()).isEqualTo("""
                --- instance-00000011 (persistent, now)
                +++ instance-00000011 (persistent, repaired)
                @@ -82,6 +82,6 @@
                       <source dev='/dev/sdc'/>
                       <target dev='vdb' bus='virtio'/>
                -      <serial>%1$s</serial>
                -      <alias name='ua-%1$s'/>
                +      <serial>%2$s</serial>
                +      <alias name='ua-%2$s'/>
                       <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>
                     </disk>
                """.formatted(Samples.VA, Samples.VN));
        // a second check of the repaired definition finds nothing
        assertThat(DomainCheck.check(DomainXml.parse("xml", r.xml()), SWAPPED, Map.of(),
                p -> Optional.of("8:32"), DomainCheck.Others.of(List.of()))).isEmpty();
    }

    @Test
    void aDefinitionThatAgreesNeedsNoChange() {
        DomainXml d = Samples.domain("iscsi-single.xml");
        List<Bdm> bdms = List.of(Samples.bdm(Samples.VA, "vdb", Samples.BY_PATH_A),
                Samples.bdm(Samples.VB, "vdc", "/dev/disk/by-id/scsi-" + Samples.WWB));

        DomainRepair.Result r = DomainRepair.repair(d, Optional.empty(), bdms, Map.of());

        assertThat(r.changes()).isEmpty();
        assertThat(r.changed()).isFalse();
        assertThat(r.diff()).isEmpty();
        assertThat(r.xml()).isEqualTo(d.original());
    }

    @Test
    void aPersistentSourceThatLagsTheBdmIsRewrittenAndTheLiveOneReportedWithHowToConverge() {
        // matched by serial; both definitions still on the old path
        DomainXml d = Samples.domain("iscsi-single.xml");
        List<Bdm> bdms = List.of(Samples.bdm(Samples.VA, "vdb", "/dev/disk/by-id/scsi-" + Samples.WWA),
                Samples.bdm(Samples.VB, "vdc", "/dev/disk/by-id/scsi-" + Samples.WWB));

        DomainRepair.Result r = DomainRepair.repair(d, Optional.of(d), bdms, Map.of());

        assertThat(r.changes()).extracting(DomainRepair.Change::scope, DomainRepair.Change::field)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("persistent", "source"),
                        org.assertj.core.groups.Tuple.tuple("live", "source"));
        assertThat(r.changes().get(1).converge()).contains("virDomainBlockCopy");
    }

    @Test
    void aDiskNoBdmAccountsForStopsTheRepair() {
        assertThatThrownBy(() -> DomainRepair.repair(Samples.domain("swapped-2112187-inactive.xml"), Optional.empty(),
                List.of(Samples.bdm(Samples.VN, "vdb", "/dev/sdq")), Map.of()))
                .isInstanceOfSatisfying(UnmatchedDisksException.class,
                        e -> assertThat(e.disks()).extracting(UnmatchedDisksException.Unmatched::targetDev)
                                .containsExactly("vdb"));
    }
}
