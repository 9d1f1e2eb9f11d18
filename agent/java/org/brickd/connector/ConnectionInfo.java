package org.brickd.connector;

import java.util.Optional;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * cinder's connection_info, parsed. One record per protocol; everything a connector
 * reads is typed here, so nothing below rpc/ sees a JSON map or a raw string.
 */
public sealed interface ConnectionInfo permits IscsiConnection, FcConnection {

    VolumeId volumeId();

    /** The WWN the backend says the LUN has, when it says (I1 checks it). */
    Optional<Wwid> expectedWwid();

    boolean readOnly();

    boolean encrypted();

    String protocol();

    /**
     * The LUNs this connection names, independent of the path to them ("iscsi IQN lun N",
     * "fc WWPN lun N"). Two volumes naming one such address at the same time means the LUN
     * number was reused: the older attachment is checked for fencing.
     */
    java.util.List<String> lunAddresses();
}
