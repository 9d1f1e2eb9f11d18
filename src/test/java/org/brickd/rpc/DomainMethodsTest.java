package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.brickd.errors.BrickException;
import org.brickd.errors.InvalidInputException;
import org.brickd.host.BlockNodes;
import org.brickd.ledger.Ledger;
import org.brickd.libvirt.LibvirtDomains;
import org.brickd.service.DomainService;
import org.brickd.testing.FakeHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three domain methods over JSON, with "xml" given and no libvirtd at all (a socket nobody listens on). */
class DomainMethodsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VA = "2f3b8a1e-6c4d-4e5f-8a9b-0c1d2e3f4a5b";
    private static final String VN = "e8f9a0b1-c2d3-4e4f-8a5b-6c7d8e9f0a1b";

    @TempDir
    Path dir;

    private Ledger ledger;
    private DomainMethods methods;

    @BeforeEach
    void setUp() {
        FakeHost host = new FakeHost(dir.resolve("root")).scsiHost(7)
                .scsiDisk("7:0:0:1", "sdc", "LIO-ORG", "FILEIO", "naa.6001405eeeeeeee00004000800000000")
                .udevProcessed("sdc", "8:32", "36001405eeeeeeee00004000800000000");
        ledger = Ledger.open(dir.resolve("state"));
        LibvirtDomains noLibvirtd = new LibvirtDomains("qemu:///system?socket=" + dir.resolve("no-libvirt-sock"));
        methods = new DomainMethods(new DomainService(noLibvirtd, ledger, new BlockNodes(host.root(), host.sysfs())));
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    private static String sample(String name) throws IOException {
        try (InputStream in = DomainMethodsTest.class.getResourceAsStream("/domains/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static ObjectNode bdm(String vol, String dev, String path) {
        ObjectNode b = JSON.createObjectNode().put("volume_id", vol).put("device_name", "/dev/" + dev)
                .put("attachment_id", "0b5c1f2e-3d4a-4b6c-8d7e-9f0a1b2c3d4e").put("multiattach", false);
        ObjectNode ci = b.putObject("connection_info").put("driver_volume_type", "iscsi").put("serial", vol);
        ci.putObject("data").put("device_path", path).put("volume_id", vol).put("target_lun", 1);
        return b;
    }

    private static ObjectNode params(String xml, ObjectNode... bdms) {
        ObjectNode p = JSON.createObjectNode().put("domain", "instance-00000011").put("xml", xml);
        ArrayNode a = p.putArray("bdms");
        for (ObjectNode b : bdms) {
            a.add(b);
        }
        return p;
    }

    @Test
    void checkDomainAnswersFindingsAndFailsClosedWithoutLibvirtd() throws Exception {
        JsonNode r = methods.checkDomain(params(sample("swapped-2112187.xml"), bdm(VN, "vdb", "/dev/sdc")));

        assertThat(r.path("consistent").asBoolean()).isFalse();
        assertThat(r.path("findings")).extracting(f -> f.path("kind").asText())
                .containsExactlyInAnyOrder("serial", "alias", "not_checked");
        JsonNode serial = r.path("findings").get(0);
        assertThat(serial.path("domain").asText()).isEqualTo("instance-00000011");
        assertThat(serial.path("target_dev").asText()).isEqualTo("vdb");
        assertThat(serial.path("expected").asText()).isEqualTo(VN);
        assertThat(serial.path("actual").asText()).isEqualTo(VA);
        assertThat(r.path("findings").get(2).path("actual").asText()).contains("libvirtd does not answer");
    }

    @Test
    void repairDomainDryRunGivesChangesAndDiffWithoutLibvirtd() throws Exception {
        ObjectNode p = params(sample("swapped-2112187-inactive.xml"), bdm(VN, "vdb", "/dev/sdc")).put("dry_run", true);

        JsonNode r = methods.repairDomain(p);

        assertThat(r.path("changes")).extracting(c -> c.path("scope").asText() + " " + c.path("field").asText()
                + " " + c.path("applied").asBoolean()).containsExactly("persistent serial false",
                "persistent alias false", "live (not read) false");
        assertThat(r.path("diff").asText()).contains("-      <serial>" + VA + "</serial>")
                .contains("+      <serial>" + VN + "</serial>");
    }

    @Test
    void repairWithoutDryRunNeedsLibvirtdAndSaysSo() throws Exception {
        ObjectNode p = params(sample("swapped-2112187-inactive.xml"), bdm(VN, "vdb", "/dev/sdc")).put("dry_run", false);

        assertThatThrownBy(() -> methods.repairDomain(p)).isInstanceOfSatisfying(BrickException.class,
                e -> assertThat(RpcErrors.of(e).code()).isEqualTo(-32040));
    }

    @Test
    void migrationXmlRewritesOrFailsWithEveryUnmatchedDiskInTheErrorData() throws Exception {
        String xml = sample("swapped-2112187.xml");
        assertThatThrownBy(() -> methods.migrationXml(params(xml, bdm(VN, "vdb", "/dev/sdd"))))
                .satisfies(e -> {
                    RpcErrors.ErrorBody body = RpcErrors.of(e);
                    assertThat(body.code()).isEqualTo(-32030);
                    JsonNode u = body.data().path("unmatched");
                    assertThat(u).hasSize(1);
                    assertThat(u.get(0).path("target_dev").asText()).isEqualTo("vdb");
                    assertThat(u.get(0).path("serial").asText()).isEqualTo(VA);
                    assertThat(u.get(0).path("source_path").asText()).isEqualTo("/dev/sdc");
                });

        JsonNode ok = methods.migrationXml(params(xml, bdm(VA, "vdb", "/dev/disk/by-id/scsi-3600140500000000000000000000000aa")));
        assertThat(ok.path("xml").asText()).contains("<source dev='/dev/disk/by-id/scsi-3600140500000000000000000000000aa' index='1'/>")
                .doesNotContain("/dev/sdc");
    }

    @Test
    void badBdmsAreRefusedNamingTheField() throws Exception {
        String xml = sample("swapped-2112187.xml");
        assertThatThrownBy(() -> methods.migrationXml(params(xml, bdm(VN, "vdb", "/dev/../etc/shadow"))))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("bdms[0].connection_info.data.device_path"));
        ObjectNode b = bdm(VN, "vdb", "/dev/sdd");
        ((ObjectNode) b.get("connection_info")).put("serial", VA);
        assertThatThrownBy(() -> methods.migrationXml(params(xml, b)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("bdms[0].connection_info.serial"));
        assertThatThrownBy(() -> methods.migrationXml(params(xml, bdm("vol-1", "vdb", "/dev/sdd"))))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("bdms[0].volume_id"));
        assertThatThrownBy(() -> methods.checkDomain(JSON.createObjectNode().put("xml", xml).set("bdms",
                JSON.createArrayNode()))).isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("domain"));
    }

    @Test
    void withoutXmlAndWithoutLibvirtdTheAnswerIsUnavailable() {
        ObjectNode p = JSON.createObjectNode().put("domain", "instance-00000011");
        p.putArray("bdms");
        assertThatThrownBy(() -> methods.checkDomain(p)).isInstanceOfSatisfying(BrickException.class, e -> {
            assertThat(e.code()).isEqualTo(BrickException.Code.UNAVAILABLE);
            assertThat(e.getMessage()).contains("qemu:///system").contains("\"xml\"");
        });
    }
}
