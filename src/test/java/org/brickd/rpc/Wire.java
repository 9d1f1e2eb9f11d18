package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A raw line-level connection, for sending what a well-behaved client never would. */
final class Wire implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final SocketChannel channel;
    private final FrameReader frames;

    Wire(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        frames = new FrameReader(channel, 64 * 1024 * 1024, n -> { });
    }

    void send(String line) throws IOException {
        write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** The next response, or null at end of stream (a reset after the server closed counts as the end too). */
    JsonNode read() throws IOException {
        int n;
        try {
            n = frames.next();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return null;
            }
            throw e;
        }
        return n < 0 ? null : JSON.readTree(new String(frames.frame(), 0, n, StandardCharsets.UTF_8));
    }

    JsonNode call(String line) throws IOException {
        send(line);
        return read();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
