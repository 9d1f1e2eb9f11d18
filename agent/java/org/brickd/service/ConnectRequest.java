package org.brickd.service;

import java.util.Optional;
import org.brickd.connector.ConnectionInfo;
import org.brickd.types.InstanceId;

/**
 * A connect_volume call, parsed. {@code recordJson} is the connection_info with secrets
 * removed, kept in the ledger so a restart knows how the volume was reached.
 */
public record ConnectRequest(ConnectionInfo info, String recordJson, Optional<InstanceId> instance,
        boolean useMultipath, boolean enforceMultipath) {}
