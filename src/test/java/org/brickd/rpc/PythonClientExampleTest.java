package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.brickd.errors.BrickException;
import org.brickd.host.JnaNative;
import org.brickd.host.PeerCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client in docs/examples (what nova-compute would embed) against a real brickd
 * RPC server: its framing, id matching and error mapping work, and what it sends is what
 * the contract says.
 */
class PythonClientExampleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("docs/examples/brickd_client.py");

    @TempDir
    Path dir;

    private RpcServer server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final List<Integer> callerPids = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Path serve(boolean connectFails) throws Exception {
        MethodTable t = new MethodTable()
                .register("get_connector_properties", Access.READ, (p, c) -> {
                    received.add(p);
                    callerPids.add(c.pid());
                    return tree("{\"initiator\": \"iqn.1993-08.org.debian:01:abc\", \"multipath\": false}");
                })
                .register("connect_volume", Access.MUTATE, (p, c) -> {
                    received.add(p);
                    if (connectFails) {
                        throw new BrickException(BrickException.Code.WWID_MISMATCH, "the LUN answers another WWID");
                    }
                    return tree("{\"type\": \"block\", \"path\": \"/dev/disk/by-id/wwn-0x6001405abc\","
                            + " \"scsi_wwn\": \"36001405abc\"}");
                })
                .register("disconnect_volume", Access.MUTATE, (p, c) -> {
                    received.add(p);
                    return tree("{\"clean\": true, \"removed\": [\"device 7:0:0:1\"]}");
                });
        Path socket = dir.resolve("brickd.sock");
        server = RpcServer.bind(socket, t, new Authorizer(Set.of(System.getProperty("user.name")), Set.of(), Set.of()),
                RpcServerOptions.defaults().withSocketGroup(null).withStopDeadline(Duration.ofSeconds(5))
                        .withCallers(CallerResolver.system(new PeerCredentials(new JnaNative()))));
        return socket;
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private record Run(int exit, String out, long pid) {}

    private static Run python(String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("python3", SCRIPT.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python3 finished").isTrue();
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8), p.pid());
    }

    @Test
    void itReadsTheConnectorProperties() throws Exception {
        Path socket = serve(false);

        Run r = python("--socket", socket.toString());

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(JSON.readTree(r.out()).path("initiator").asText()).isEqualTo("iqn.1993-08.org.debian:01:abc");
        assertThat(received).singleElement().isEqualTo(JSON.readTree("{\"multipath\": false, \"enforce_multipath\": false}"));
        assertThat(callerPids).as("the kernel names the python process as the caller").containsExactly((int) r.pid());
    }

    @Test
    void itAttachesThenDetachesHandingBackTheDeviceInfo() throws Exception {
        Path socket = serve(false);
        String ci = "{\"driver_volume_type\": \"iscsi\", \"serial\": \"5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de\","
                + " \"data\": {\"target_portal\": \"127.0.0.1:3260\", \"target_iqn\": \"iqn.2003-01.org.linux-iscsi.bed:t1\","
                + " \"target_lun\": 1}}";
        Path file = Files.writeString(dir.resolve("ci.json"), ci);

        Run r = python("--socket", socket.toString(), "--attach-detach", file.toString());

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(received).hasSize(2);
        assertThat(received.get(0).path("connection_info")).isEqualTo(JSON.readTree(ci));
        assertThat(received.get(0).path("use_multipath").isBoolean()).isTrue();
        assertThat(received.get(1).path("device_info").path("path").asText()).isEqualTo("/dev/disk/by-id/wwn-0x6001405abc");
        assertThat(received.get(1).path("force").asBoolean(true)).isFalse();
        assertThat(r.out()).contains("disconnected: {\"clean\": true");
    }

    @Test
    void anErrorReachesThePythonSideWithItsCode() throws Exception {
        Path socket = serve(true);
        Path file = Files.writeString(dir.resolve("ci.json"), "{\"driver_volume_type\": \"iscsi\", \"data\": {}}");

        Run r = python("--socket", socket.toString(), "--attach-detach", file.toString());

        assertThat(r.exit()).isNotZero();
        assertThat(r.out()).contains("BrickdError: brickd error -32020: the LUN answers another WWID");
        assertThat(received).hasSize(1);
    }
}
