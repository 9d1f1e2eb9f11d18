package org.brickd.host;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;

/** Host identity for connector properties: /etc files under the root, hostname, address. */
public final class HostInfo {

    private final Path etc;

    public HostInfo(Path root) {
        this.etc = root.toAbsolutePath().normalize().resolve("etc");
    }

    /** A file under /etc, or empty when it does not exist; a file that exists but cannot be read is an error. */
    public Optional<String> etcFile(String relative) {
        try {
            return Optional.of(Files.readString(HostPaths.under(etc, relative), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new org.brickd.errors.HostException("cannot read /etc/" + relative + ": " + e.getMessage(), e);
        }
    }

    public String hostname() {
        return etcFile("hostname").map(String::strip).filter(s -> !s.isEmpty()).orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        });
    }

    /** The first IPv4 address of an interface that is up and not loopback, else 127.0.0.1. */
    public String primaryIp() {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // no interfaces readable: fall through to loopback
        }
        return "127.0.0.1";
    }
}
