package org.brickd.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Collectors;
import org.brickd.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DomainXmlTest {

    static List<String> samples() {
        return Samples.ALL;
    }

    @ParameterizedTest
    @MethodSource("samples")
    void anUneditedDomainRendersByteForByte(String sample) {
        String xml = Samples.text(sample);
        assertThat(DomainXml.parse("xml", xml).render()).isEqualTo(xml);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void editingOneSerialChangesExactlyThatLine(String sample) {
        String xml = Samples.text(sample);
        DomainXml d = DomainXml.parse("xml", xml);
        DomainDisk vol = d.disks().stream().filter(x -> x.serial().isPresent()).findFirst().orElseThrow();
        String old = vol.serial().orElseThrow();

        vol.setSerial("11111111-2222-4333-8444-555555555555");

        List<String> before = xml.lines().toList();
        List<String> after = d.render().lines().toList();
        assertThat(after).hasSameSizeAs(before);
        List<Integer> changed = java.util.stream.IntStream.range(0, before.size())
                .filter(i -> !before.get(i).equals(after.get(i))).boxed().toList();
        assertThat(changed).hasSize(1);
        assertThat(before.get(changed.get(0))).isEqualTo("      <serial>" + old + "</serial>");
        assertThat(after.get(changed.get(0))).isEqualTo("      <serial>11111111-2222-4333-8444-555555555555</serial>");
    }

    @Test
    void aSourceEditKeepsTheOtherAttributesInTheirOrder() {
        DomainXml d = Samples.domain("iscsi-single.xml");
        Samples.disk(d, "vdb").setSourceDev("/dev/disk/by-id/scsi-" + Samples.WWA);

        String diff = TextDiff.unified("a", "b", d.original(), d.render());

        assertThat(diff).contains("-      <source dev='" + Samples.BY_PATH_A + "' index='1'/>\n"
                + "+      <source dev='/dev/disk/by-id/scsi-" + Samples.WWA + "' index='1'/>\n");
        assertThat(diff.lines().filter(l -> l.startsWith("-") || l.startsWith("+"))).hasSize(4); // 2 headers + 2
    }

    @Test
    void aMissingAliasIsAddedBeforeTheAddressIndentedLikeItsSiblings() {
        String xml = Samples.text("swapped-2112187-inactive.xml").replace(
                "      <alias name='ua-" + Samples.VA + "'/>\n", "");
        DomainXml d = DomainXml.parse("xml", xml);

        Samples.disk(d, "vdb").setAlias("ua-" + Samples.VN);

        assertThat(d.render()).isEqualTo(Samples.text("swapped-2112187-inactive.xml")
                .replace("ua-" + Samples.VA, "ua-" + Samples.VN));
    }

    @Test
    void elementsNobodyTouchedKeepTheirQuotingEvenWhenNotWrittenByLibvirt() {
        // nova's own lxml output (double quotes, a declaration, a comment); an edit changes one line only
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- written by nova -->
                <domain type="kvm">
                  <name>instance-00000001</name>
                  <devices>
                    <disk type="block" device="disk">
                      <driver name="qemu" type="raw" cache="none" io="native"/>
                      <source dev="/dev/sdb"/>
                      <target bus="virtio" dev="vdb"/>
                      <serial>2f3b8a1e-6c4d-4e5f-8a9b-0c1d2e3f4a5b</serial>
                    </disk>
                  </devices>
                </domain>
                """;
        DomainXml d = DomainXml.parse("xml", xml);
        assertThat(d.render()).isEqualTo(xml);

        Samples.disk(d, "vdb").setSourceDev("/dev/sdc");

        assertThat(d.render()).isEqualTo(xml.replace("<source dev=\"/dev/sdb\"/>", "<source dev='/dev/sdc'/>"));
    }

    @Test
    void theDiskModelReadsWhatNovaWrites() {
        DomainXml d = Samples.domain("luks.xml");
        DomainDisk vdb = Samples.disk(d, "vdb");
        assertThat(d.name()).isEqualTo("instance-0000000d");
        assertThat(d.uuid()).contains("ae4f6b5d-8f5a-4e1b-8a84-3fab7e4c5d23");
        assertThat(vdb.type()).isEqualTo("block");
        assertThat(vdb.device()).isEqualTo("disk");
        assertThat(vdb.driverName()).contains("qemu");
        assertThat(vdb.driverFormat()).contains("raw");
        assertThat(vdb.sourcePath()).contains("/dev/disk/by-id/scsi-" + Samples.WWA);
        assertThat(vdb.targetBus()).contains("virtio");
        assertThat(vdb.serial()).contains(Samples.VA.toString());
        assertThat(vdb.alias()).contains("ua-" + Samples.VA);
        assertThat(vdb.address()).contains("pci domain=0x0000 bus=0x07 slot=0x00 function=0x0");
        assertThat(vdb.encrypted()).isTrue();
        assertThat(vdb.encryptionSecret()).contains("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");
        assertThat(vdb.shareable()).isFalse();
        assertThat(Samples.disk(d, "vdc").encrypted()).isFalse();

        DomainXml local = Samples.domain("local-configdrive.xml");
        DomainDisk sda = Samples.disk(local, "sda");
        assertThat(sda.device()).isEqualTo("cdrom");
        assertThat(sda.readonly()).isTrue();
        assertThat(sda.sourcePath()).hasValueSatisfying(p -> assertThat(p).endsWith("/disk.config"));
        assertThat(sda.address()).contains("drive controller=0 bus=0 target=0 unit=0");
        assertThat(local.disks().stream().filter(VolumeDisks::isLocal).map(DomainDisk::targetDev)
                .collect(Collectors.toList())).containsExactly("vda", "vdb", "sda");
        assertThat(Samples.disk(Samples.domain("multiattach-1.xml"), "vdb").shareable()).isTrue();
    }

    @Test
    void aDoctypeIsRefusedSoNoEntityIsEverExpanded() {
        String xxe = """
                <?xml version="1.0"?>
                <!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>
                <domain><name>&x;</name></domain>
                """;
        assertThatThrownBy(() -> DomainXml.parse("xml", xxe)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not well-formed").hasMessageContaining("DOCTYPE");
        String laughs = "<!DOCTYPE d [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><domain>&b;</domain>";
        assertThatThrownBy(() -> DomainXml.parse("xml", laughs)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void oversizedNonDomainAndBrokenInputsAreRefusedNamingTheField() {
        String big = "<domain>" + " ".repeat(XmlParse.MAX_CHARS) + "</domain>";
        assertThatThrownBy(() -> DomainXml.parse("xml", big)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("at most " + XmlParse.MAX_CHARS);
        assertThatThrownBy(() -> DomainXml.parse("xml", "<network/>")).hasMessageContaining("not a libvirt <domain>");
        assertThatThrownBy(() -> DomainXml.parse("xml", "<domain>")).isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("xml");
        assertThatThrownBy(() -> DomainXml.parse("xml", "")).hasMessageContaining("is empty");
    }

    @Test
    void crlfInputIsStillReadAndRenderedWithoutLosingContent() {
        String xml = Samples.text("iscsi-single.xml").replace("\n", "\r\n");
        DomainXml d = DomainXml.parse("xml", xml);
        Samples.disk(d, "vdb").setSerial(Samples.VN.toString());
        DomainXml again = DomainXml.parse("xml", d.render());
        assertThat(Samples.disk(again, "vdb").serial()).contains(Samples.VN.toString());
        assertThat(Samples.disk(again, "vdc").sourcePath()).contains("/dev/disk/by-id/scsi-" + Samples.WWB);
        assertThat(again.disks()).hasSize(3);
    }
}
