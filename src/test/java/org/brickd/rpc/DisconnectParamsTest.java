package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.brickd.errors.InvalidInputException;
import org.brickd.fc.FcHosts;
import org.brickd.host.HostInfo;
import org.brickd.service.VolumeService;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** disconnect_volume's device_info is not used (the ledger is), but a hostile one is refused before anything runs. */
class DisconnectParamsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"\"/etc/passwd\"", "\"/dev/../etc/shadow\"", "\"/dev/sdb$(reboot)\"", "\"dev/sdb\"", "12"})
    void aDeviceInfoPathOutsideDevIsRefusedAndTheHostIsNotTouched(String path) throws Exception {
        VolumeService volumes = mock(VolumeService.class);
        VolumeMethods methods = new VolumeMethods(volumes, mock(HostInfo.class), mock(FcHosts.class));
        JsonNode params = JSON.readTree("""
                {"connection_info": {"driver_volume_type": "iscsi", "serial": "5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de",
                  "data": {"target_portal": "10.0.0.5:3260", "target_iqn": "iqn.2010-10.org.openstack:v1", "target_lun": 1}},
                 "device_info": {"type": "block", "path": %s}, "force": true}
                """.formatted(path));

        assertThatThrownBy(() -> methods.disconnectVolume(params))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("device_info.path"));
        verifyNoInteractions(volumes);
    }
}
