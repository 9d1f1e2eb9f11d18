package org.brickd.libvirt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.brickd.types.VolumeId;

/** The domain XML samples under src/test/resources/domains and the ids they use. */
final class Samples {

    static final List<String> ALL = List.of("iscsi-single.xml", "iscsi-multipath.xml", "fc.xml", "luks.xml",
            "multiattach-1.xml", "multiattach-2.xml", "local-configdrive.xml", "swapped-2112187.xml",
            "swapped-2112187-inactive.xml");

    static final VolumeId VA = VolumeId.parse("2f3b8a1e-6c4d-4e5f-8a9b-0c1d2e3f4a5b");
    static final VolumeId VB = VolumeId.parse("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d");
    /** The volume swapped in for VA in swapped-2112187*.xml. */
    static final VolumeId VN = VolumeId.parse("e8f9a0b1-c2d3-4e4f-8a5b-6c7d8e9f0a1b");
    static final VolumeId MA = VolumeId.parse("c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f");
    static final String WWA = "36001405aaaaaaaa00004000800000000";
    static final String WWB = "36001405bbbbbbbb00004000800000000";
    static final String BY_PATH_A = "/dev/disk/by-path/ip-192.168.10.5:3260-iscsi-iqn.2010-10.org.openstack:volume-"
            + VA + "-lun-1";

    private Samples() {}

    static String text(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("/domains/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no sample " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static DomainXml domain(String name) {
        return DomainXml.parse("xml", text(name));
    }

    static Bdm bdm(VolumeId vol, String dev, String path) {
        return new Bdm(vol, Optional.of("/dev/" + dev), Optional.of("0b5c1f2e-3d4a-4b6c-8d7e-9f0a1b2c3d4e"), false,
                "iscsi", DevicePath.parse("device_path", path), Optional.of(vol));
    }

    static Bdm multiattach(VolumeId vol, String dev, String path) {
        return new Bdm(vol, Optional.of("/dev/" + dev), Optional.empty(), true, "iscsi",
                DevicePath.parse("device_path", path), Optional.of(vol));
    }

    static DomainDisk disk(DomainXml d, String target) {
        return d.disks().stream().filter(x -> x.targetDev().equals(target)).findFirst().orElseThrow();
    }
}
