package org.brickd.libvirt;

import java.util.Objects;
import java.util.Optional;
import org.brickd.types.VolumeId;

/**
 * A block device mapping as nova keeps it, reduced to what ties a domain disk to a volume:
 * the volume id (also {@code connection_info.serial} — nova sets both on attach and on
 * swap), the guest device name, the attachment id, multiattach, and the host path
 * connect_volume returned ({@code connection_info.data.device_path}).
 * {@code dataVolumeId} is the backend's {@code connection_info.data.volume_id}, which after
 * a cinder migration may name the migration's temporary volume; it is reported, not matched.
 */
public record Bdm(
        VolumeId volumeId,
        Optional<String> deviceName,
        Optional<String> attachmentId,
        boolean multiattach,
        String driverVolumeType,
        DevicePath devicePath,
        Optional<VolumeId> dataVolumeId) {

    public Bdm {
        Objects.requireNonNull(volumeId, "volumeId");
        Objects.requireNonNull(deviceName, "deviceName");
        Objects.requireNonNull(attachmentId, "attachmentId");
        Objects.requireNonNull(driverVolumeType, "driverVolumeType");
        Objects.requireNonNull(devicePath, "devicePath");
        Objects.requireNonNull(dataVolumeId, "dataVolumeId");
    }

    /** The alias nova gives the volume's disk ({@code make_libvirt_device_alias}). */
    public String alias() {
        return "ua-" + volumeId;
    }
}
