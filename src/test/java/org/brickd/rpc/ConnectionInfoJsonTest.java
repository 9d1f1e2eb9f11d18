package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.FcConnection;
import org.brickd.connector.FcConnection.FcTarget;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.IscsiConnection.IscsiPath;
import org.brickd.errors.InvalidInputException;
import org.brickd.iscsi.Chap;
import org.brickd.types.Iqn;
import org.brickd.types.Lun;
import org.brickd.types.Portal;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.brickd.types.Wwpn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** cinder's connection_info as nova stores it (samples shaped like LVM/LIO, multipath and FC drivers send). */
class ConnectionInfoJsonTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String VOL = "5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f";
    static final String IQN1 = "iqn.2010-10.org.openstack:volume-5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f";
    static final String IQN2 = "iqn.1992-04.com.emc:cx.apm00123.a0";

    /** A single-portal iSCSI connection_info as nova saves it for the LVM driver. */
    static final String ISCSI = """
            {"driver_volume_type": "iscsi",
             "serial": "5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f",
             "data": {"target_discovered": false,
                      "target_portal": "10.0.0.5:3260",
                      "target_iqn": "iqn.2010-10.org.openstack:volume-5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f",
                      "target_lun": 1,
                      "volume_id": "5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f",
                      "auth_method": null,
                      "access_mode": "rw",
                      "encrypted": false,
                      "qos_specs": null,
                      "cacheable": false},
             "status": "reserved",
             "instance": "0a9e1b1e-2f1c-4a0e-9d44-111111111111",
             "attached_at": "", "detached_at": "", "volume_id": "5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f"}
            """;

    static ConnectionInfo parse(String text) throws Exception {
        return ConnectionInfoJson.parse(JSON.readTree(text));
    }

    static IscsiConnection iscsi(String text) throws Exception {
        return (IscsiConnection) parse(text);
    }

    /** {@link #ISCSI} with changes applied to its "data" (and the whole object, as {@code ci}). */
    static JsonNode iscsiWith(Consumer<ObjectNode> data) throws Exception {
        ObjectNode ci = (ObjectNode) JSON.readTree(ISCSI);
        data.accept((ObjectNode) ci.get("data"));
        return ci;
    }

    static IscsiPath path(String portal, String iqn, int lun) {
        return new IscsiPath(Portal.parse(portal), Iqn.parse(iqn), Lun.of("lun", lun));
    }

    @Test
    void singlePortal() throws Exception {
        IscsiConnection c = iscsi(ISCSI);

        assertThat(c.volumeId()).isEqualTo(VolumeId.parse(VOL));
        assertThat(c.paths()).containsExactly(path("10.0.0.5:3260", IQN1, 1));
        assertThat(c.chap()).isEmpty();
        assertThat(c.discoveryChap()).isEmpty();
        assertThat(c.expectedWwid()).isEmpty();
        assertThat(c.readOnly()).isFalse();
        assertThat(c.encrypted()).isFalse();
        assertThat(c.discoverPortals()).as("one portal, no list: multipath asks it for the others").isTrue();
    }

    @Test
    void readOnlyAndEncrypted() throws Exception {
        IscsiConnection c = (IscsiConnection) ConnectionInfoJson.parse(iscsiWith(d -> {
            d.put("access_mode", "ro");
            d.put("encrypted", true);
        }));

        assertThat(c.readOnly()).isTrue();
        assertThat(c.encrypted()).isTrue();
    }

    @Test
    void multipathListsGivePathsInOrder() throws Exception {
        IscsiConnection c = iscsi("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portals": ["10.0.0.5:3260", "[fd00::5]:3260"],
                          "target_iqns": ["%s", "%s"],
                          "target_luns": [1, 7],
                          "target_discovered": false, "volume_id": "%s"}}
                """.formatted(VOL, IQN1, IQN2, VOL));

        assertThat(c.paths()).containsExactly(path("10.0.0.5:3260", IQN1, 1), path("[fd00::5]:3260", IQN2, 7));
        assertThat(c.discoverPortals()).as("the backend listed its portals").isFalse();
    }

    @Test
    void singleAndListFormsTogetherAreDeduplicatedWithTargetPortalFirst() throws Exception {
        // drivers send both; target_portal may repeat a list entry in another spelling (default port, case)
        IscsiConnection c = iscsi("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "10.0.0.6", "target_iqn": "%s", "target_lun": 2,
                          "target_portals": ["10.0.0.5:3260", "10.0.0.6:3260"],
                          "target_iqns": ["%s", "%s"],
                          "target_luns": [2, 2]}}
                """.formatted(VOL, IQN1.toUpperCase(), IQN1, IQN1));

        assertThat(c.paths()).containsExactly(path("10.0.0.6:3260", IQN1, 2), path("10.0.0.5:3260", IQN1, 2));
    }

    @Test
    void listsWithoutTargetLunsUseTargetLunForEveryPortal() throws Exception {
        IscsiConnection c = iscsi("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portals": ["10.0.0.5:3260", "10.0.0.6:3260"], "target_iqns": ["%s", "%s"],
                          "target_lun": 3}}
                """.formatted(VOL, IQN1, IQN1));

        assertThat(c.paths()).extracting(IscsiPath::lun).containsOnly(Lun.of("lun", 3));
    }

    @Test
    void chapAndDiscoveryChap() throws Exception {
        IscsiConnection c = (IscsiConnection) ConnectionInfoJson.parse(iscsiWith(d -> {
            d.put("auth_method", "CHAP");
            d.put("auth_username", "fkb2ZJo8bJg");
            d.put("auth_password", "kV3fZp2YxQm9");
            d.put("discovery_auth_method", "CHAP");
            d.put("discovery_auth_username", "disc-user");
            d.put("discovery_auth_password", "disc-Secret1");
        }));

        Chap chap = c.chap().orElseThrow();
        assertThat(chap.username()).isEqualTo("fkb2ZJo8bJg");
        assertThat(chap.password()).isEqualTo("kV3fZp2YxQm9");
        assertThat(chap.mutual()).isFalse();
        assertThat(c.discoveryChap()).get().extracting(Chap::username, Chap::password)
                .containsExactly("disc-user", "disc-Secret1");
        assertThat(c.toString()).doesNotContain("kV3fZp2YxQm9").doesNotContain("disc-Secret1");
    }

    @Test
    void mutualChap() throws Exception {
        IscsiConnection c = (IscsiConnection) ConnectionInfoJson.parse(iscsiWith(d -> {
            d.put("auth_method", "CHAP");
            d.put("auth_username", "initiator-user");
            d.put("auth_password", "initiator-Secret1");
            d.put("auth_username_in", "target-user");
            d.put("auth_password_in", "target-Secret1");
        }));

        Chap chap = c.chap().orElseThrow();
        assertThat(chap.mutual()).isTrue();
        assertThat(chap.usernameIn()).contains("target-user");
        assertThat(chap.passwordIn()).contains("target-Secret1");
    }

    @Test
    void authMethodNoneMeansNoChap() throws Exception {
        IscsiConnection c = (IscsiConnection) ConnectionInfoJson.parse(iscsiWith(d -> {
            d.put("auth_method", "None");
            d.put("auth_username", "ignored");
        }));

        assertThat(c.chap()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"36001405aaaaaaaa00004000800000000", "6001405aaaaaaaa00004000800000000",
            "naa.6001405aaaaaaaa00004000800000000", "0x6001405aaaaaaaa00004000800000000",
            "6001405AAAAAAAA00004000800000000", "NAA.6001405AAAAAAAA00004000800000000",
            "36001405AAAAAAAA00004000800000000"})
    void aWwnInAnyFormDriversUseIsTheSameWwid(String wwn) throws Exception {
        Wwid a = Wwid.parse("naa.6001405aaaaaaaa00004000800000000");
        for (String key : List.of("wwn", "scsi_wwn")) {
            ConnectionInfo c = ConnectionInfoJson.parse(iscsiWith(d -> d.put(key, wwn)));

            assertThat(c.expectedWwid()).as(key).contains(a);
        }
    }

    @Test
    void unknownKeysAreIgnored() throws Exception {
        IscsiConnection plain = iscsi(ISCSI);
        JsonNode extra = iscsiWith(d -> {
            d.put("vendor_magic", "x; rm -rf /");
            d.putObject("driver_private").putArray("list").add(1);
            d.put("target_discovered", true);
        });
        ((ObjectNode) extra).put("connector", "whatever");

        assertThat(ConnectionInfoJson.parse(extra)).isEqualTo(plain);
    }

    // ------------------------------------------------------------------ refusals

    static Stream<Arguments> malformed() {
        return Stream.of(
                bad("data.target_lun", d -> d.put("target_lun", "one")),
                bad("data.target_lun", d -> d.put("target_lun", true)),
                bad("data.target_lun", d -> d.put("target_lun", 1.5)),
                bad("data.target_lun", d -> d.put("target_lun", 16384)),
                bad("data.target_lun", d -> d.put("target_lun", -1)),
                bad("data.target_lun", d -> d.remove("target_lun")),
                bad("data.target_portal", d -> d.put("target_portal", "10.0.0.5:3260;reboot")),
                bad("data.target_portal", d -> d.put("target_portal", "$(reboot):3260")),
                bad("data.target_portal", d -> d.put("target_portal", 3260)),
                bad("data.target_portal", d -> d.put("target_portal", "10.0.0.5:99999")),
                bad("data.target_portal", d -> d.remove("target_portal")),
                bad("data.target_iqn", d -> d.put("target_iqn", "iqn.2010-10.org..openstack:vol")),
                bad("data.target_iqn", d -> d.put("target_iqn", "iqn.2010-10.org.openstack:../../etc")),
                bad("data.target_iqn", d -> d.putArray("target_iqn").add(IQN1)),
                bad("data.target_portals[1]", d -> {
                    d.putArray("target_portals").add("10.0.0.5:3260").add("10.0.0.6:3260`id`");
                    d.putArray("target_iqns").add(IQN1).add(IQN1);
                }),
                bad("data.target_portals[0]", d -> {
                    d.putArray("target_portals").add(5);
                    d.putArray("target_iqns").add(IQN1);
                }),
                bad("data.target_portals", d -> {
                    d.put("target_portals", "10.0.0.5:3260");
                    d.putArray("target_iqns").add(IQN1);
                }),
                bad("data.target_iqns[1]", d -> {
                    d.putArray("target_portals").add("10.0.0.5:3260").add("10.0.0.6:3260");
                    d.putArray("target_iqns").add(IQN1).add("iqn.bad");
                }),
                bad("data.target_iqns", d -> {
                    d.putArray("target_portals").add("10.0.0.5:3260").add("10.0.0.6:3260");
                    d.putArray("target_iqns").add(IQN1);
                }),
                bad("data.target_luns", d -> {
                    d.putArray("target_portals").add("10.0.0.5:3260").add("10.0.0.6:3260");
                    d.putArray("target_iqns").add(IQN1).add(IQN1);
                    d.putArray("target_luns").add(1);
                }),
                bad("data.target_luns[1]", d -> {
                    d.putArray("target_portals").add("10.0.0.5:3260").add("10.0.0.6:3260");
                    d.putArray("target_iqns").add(IQN1).add(IQN1);
                    d.putArray("target_luns").add(1).add(16384);
                }),
                bad("data.access_mode", d -> d.put("access_mode", "rx")),
                bad("data.encrypted", d -> d.put("encrypted", "yes")),
                bad("data.addressing_mode", d -> d.put("addressing_mode", "SAM4")),
                bad("data.wwn", d -> d.put("wwn", "6001405aaaa")),
                bad("data.scsi_wwn", d -> d.put("scsi_wwn", "naa.7001405aaaaaaaa00004000800000000")),
                bad("data.auth_method", d -> d.put("auth_method", "MD5")),
                bad("data.auth_username", d -> d.put("auth_method", "CHAP")),
                bad("data.auth_password", d -> {
                    d.put("auth_method", "CHAP");
                    d.put("auth_username", "u");
                }),
                bad("data.auth_password", d -> {
                    d.put("auth_method", "CHAP");
                    d.put("auth_username", "u");
                    d.put("auth_password", "secret-with-a-trailing-blank ");
                }),
                bad("data.auth_username_in", d -> {
                    d.put("auth_method", "CHAP");
                    d.put("auth_username", "u");
                    d.put("auth_password", "p");
                    d.put("auth_username_in", "t");
                }),
                bad("data.discovery_auth_username_in", d -> {
                    d.put("discovery_auth_method", "CHAP");
                    d.put("discovery_auth_username", "u");
                    d.put("discovery_auth_password", "p");
                    d.put("discovery_auth_username_in", "t");
                }),
                bad("data.discovery_auth_password", d -> {
                    d.put("discovery_auth_method", "CHAP");
                    d.put("discovery_auth_username", "u");
                    d.put("discovery_auth_password", "p".repeat(256));
                }),
                bad("data.volume_id", d -> d.put("volume_id", "00000000-0000-4000-8000-000000000000")),
                bad("data.volume_id", d -> d.put("volume_id", 12)),
                bad("data.device_path", d -> d.put("device_path", "/etc/passwd")),
                bad("data.device_path", d -> d.put("device_path", "/dev/../etc/shadow")),
                bad("data.device_path", d -> d.put("device_path", "/dev/sdb; rm -rf /")),
                bad("data.device_path", d -> d.put("device_path", 7)));
    }

    @Test
    void theDevicePathNovaWritesBackIsAccepted() throws Exception {
        for (String p : List.of("/dev/disk/by-id/scsi-36001405aaaaaaaa00004000800000000",
                "/dev/disk/by-id/dm-uuid-mpath-36001405aaaaaaaa00004000800000000",
                "/dev/disk/by-path/ip-10.0.0.5:3260-iscsi-iqn.2010-10.org.openstack:volume-1-lun-1", "/dev/sdb")) {
            assertThat(ConnectionInfoJson.parse(iscsiWith(d -> d.put("device_path", p))).volumeId()).isNotNull();
        }
    }

    static Arguments bad(String key, Consumer<ObjectNode> change) {
        return Arguments.of(key, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void aMalformedKnownKeyIsRefusedNamingIt(String key, Consumer<ObjectNode> change) throws Exception {
        JsonNode ci = iscsiWith(change);

        assertThatThrownBy(() -> ConnectionInfoJson.parse(ci))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(key))
                .hasMessageContaining(key);
    }

    @Test
    void serialAndVolumeIdThatDisagreeAreRefusedNamingBoth() throws Exception {
        JsonNode ci = iscsiWith(d -> d.put("volume_id", "00000000-0000-4000-8000-000000000000"));

        assertThatThrownBy(() -> ConnectionInfoJson.parse(ci))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("data.volume_id")
                .hasMessageContaining("connection_info.serial");
    }

    static Stream<Arguments> malformedTopLevel() {
        return Stream.of(
                Arguments.of("connection_info.serial", (Consumer<ObjectNode>) ci -> ci.put("serial", "not-a-uuid")),
                Arguments.of("connection_info.serial", (Consumer<ObjectNode>) ci -> ci.put("serial", 5)),
                Arguments.of("connection_info.driver_volume_type",
                        (Consumer<ObjectNode>) ci -> ci.put("driver_volume_type", "rbd")),
                Arguments.of("connection_info.driver_volume_type",
                        (Consumer<ObjectNode>) ci -> ci.remove("driver_volume_type")),
                Arguments.of("connection_info.data", (Consumer<ObjectNode>) ci -> ci.put("data", "{}")),
                Arguments.of("connection_info.data", (Consumer<ObjectNode>) ci -> ci.remove("data")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTopLevel")
    void aMalformedTopLevelKeyIsRefusedNamingIt(String key, Consumer<ObjectNode> change) throws Exception {
        ObjectNode ci = (ObjectNode) JSON.readTree(ISCSI);
        change.accept(ci);

        assertThatThrownBy(() -> ConnectionInfoJson.parse(ci))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(key))
                .hasMessageContaining(key);
    }

    @Test
    void aVolumeIdIsRequired() throws Exception {
        ObjectNode ci = (ObjectNode) iscsiWith(d -> d.remove("volume_id"));
        ci.remove("serial");

        assertThatThrownBy(() -> ConnectionInfoJson.parse(ci))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("connection_info.serial");
    }

    @Test
    void aConnectionInfoThatIsNotAnObjectIsRefused() throws Exception {
        assertThatThrownBy(() -> parse("[1, 2]"))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("connection_info"));
    }

    @Test
    void aSecretIsNeverShownInARefusal() throws Exception {
        for (Consumer<ObjectNode> change : List.<Consumer<ObjectNode>>of(
                d -> d.put("auth_password", 73519842),
                d -> d.put("auth_password", "73519842\n"),
                d -> d.put("auth_password", "73519842".repeat(40)))) {
            JsonNode ci = iscsiWith(d -> {
                d.put("auth_method", "CHAP");
                d.put("auth_username", "u");
                change.accept(d);
            });

            assertThatThrownBy(() -> ConnectionInfoJson.parse(ci))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("data.auth_password")
                    .message().doesNotContain("73519842");
        }
    }

    // ------------------------------------------------------------------ fibre channel

    static final String FC = """
            {"driver_volume_type": "fibre_channel", "serial": "5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f",
             "data": {"target_discovered": false,
                      "target_wwn": %s,
                      %s
                      "initiator_target_map": {"1000000000000001": ["500a098288fed6be", "500a098198fed6be"],
                                               "10:00:00:00:00:00:00:02": ["0x500A098288FED6BE"]},
                      "volume_id": "5d0a7a3e-6b8f-4c2a-9e55-0a1b2c3d4e5f", "access_mode": "rw",
                      "encrypted": false}}
            """;

    @Test
    void fibreChannelWithOneTargetWwnString() throws Exception {
        FcConnection c = (FcConnection) parse(FC.formatted("\"500a098288fed6be\"", "\"target_lun\": 4,"));

        assertThat(c.volumeId()).isEqualTo(VolumeId.parse(VOL));
        assertThat(c.targets()).containsExactly(new FcTarget(Wwpn.parse("500a098288fed6be"), Lun.of("lun", 4)));
        assertThat(c.initiatorTargetMap()).isEqualTo(Map.of(
                Wwpn.parse("1000000000000001"), List.of(Wwpn.parse("500a098288fed6be"), Wwpn.parse("500a098198fed6be")),
                Wwpn.parse("1000000000000002"), List.of(Wwpn.parse("500a098288fed6be"))));
    }

    @Test
    void fibreChannelWithATargetWwnListAndOneLunForAll() throws Exception {
        FcConnection c = (FcConnection) parse(FC.formatted("[\"500a098288fed6be\", \"50:0a:09:81:98:fe:d6:be\"]",
                "\"target_lun\": 4,"));

        assertThat(c.targets()).extracting(FcTarget::wwpn)
                .containsExactly(Wwpn.parse("500a098288fed6be"), Wwpn.parse("500a098198fed6be"));
        assertThat(c.targets()).extracting(FcTarget::lun).containsOnly(Lun.of("lun", 4));
    }

    @Test
    void fibreChannelWithTargetLunsPerTarget() throws Exception {
        FcConnection c = (FcConnection) parse(FC.formatted("[\"500a098288fed6be\", \"500a098198fed6be\"]",
                "\"target_luns\": [4, 9],"));

        assertThat(c.targets()).extracting(FcTarget::lun).containsExactly(Lun.of("lun", 4), Lun.of("lun", 9));
    }

    static Stream<Arguments> malformedFc() {
        return Stream.of(
                Arguments.of("data.target_wwn", "null", "\"target_lun\": 4,"),
                Arguments.of("data.target_wwn", "5", "\"target_lun\": 4,"),
                Arguments.of("data.target_wwn", "[5]", "\"target_lun\": 4,"),
                Arguments.of("data.target_wwn[1]", "[\"500a098288fed6be\", \"500a0982\"]", "\"target_lun\": 4,"),
                Arguments.of("data.target_lun", "\"500a098288fed6be\"", ""),
                Arguments.of("data.target_luns", "[\"500a098288fed6be\", \"500a098198fed6be\"]", "\"target_luns\": [4],"),
                Arguments.of("data.target_luns", "[\"500a098288fed6be\"]", "\"target_luns\": \"4\", \"target_lun\": 4,"),
                Arguments.of("data.target_luns[0]", "[\"500a098288fed6be\"]", "\"target_luns\": [16384],"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFc")
    void aMalformedFibreChannelKeyIsRefusedNamingIt(String key, String wwn, String luns) {
        assertThatThrownBy(() -> parse(FC.formatted(wwn, luns)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(key))
                .hasMessageContaining(key);
    }

    @Test
    void aMalformedInitiatorTargetMapIsRefusedNamingIt() throws Exception {
        String text = FC.formatted("\"500a098288fed6be\"", "\"target_lun\": 4,")
                .replace("\"10:00:00:00:00:00:00:02\": [\"0x500A098288FED6BE\"]", "\"10:00:00:00:00:00:00:02\": \"x\"");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("data.initiator_target_map");
    }
}
