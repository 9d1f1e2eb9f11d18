package org.brickd.rpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Splits a byte stream into newline-terminated frames without ever holding more than
 * {@code maxFrame} bytes of one: a fixed read buffer plus a line buffer that grows by doubling
 * up to the cap. A longer line throws {@link FrameTooLongException} as soon as the cap is
 * passed, so a 50 MB line costs at most the cap. The frame returned by {@link #next()} lives
 * in {@link #frame()} until the next call.
 */
final class FrameReader {

    static final int READ_CHUNK = 64 * 1024;
    private static final int FIRST_LINE_BUFFER = 8 * 1024;

    /** A line passed the cap; the stream is no longer in step and must be closed. */
    static final class FrameTooLongException extends IOException {
        FrameTooLongException(int max) {
            super("frame exceeds " + max + " bytes");
        }
    }

    private final ReadableByteChannel channel;
    private final int maxFrame;
    private final IntConsumer onGrow;
    private final ByteBuffer in = ByteBuffer.allocate(READ_CHUNK).flip();
    private byte[] line;
    private int length;
    private boolean eof;

    /** @param onGrow told the new size each time the line buffer grows (for a peak counter) */
    FrameReader(ReadableByteChannel channel, int maxFrame, IntConsumer onGrow) {
        if (maxFrame < 1) {
            throw new IllegalArgumentException("maxFrame must be positive");
        }
        this.channel = channel;
        this.maxFrame = maxFrame;
        this.onGrow = onGrow;
        this.line = new byte[Math.min(FIRST_LINE_BUFFER, maxFrame)];
        onGrow.accept(line.length);
    }

    /**
     * Reads the next frame (without its '\n'; an unterminated last line at end of stream counts)
     * and returns its length, or -1 at end of stream.
     */
    int next() throws IOException {
        length = 0;
        while (true) {
            if (in.hasRemaining()) {
                byte[] a = in.array();
                int start = in.position();
                int end = in.limit();
                int nl = start;
                while (nl < end && a[nl] != '\n') {
                    nl++;
                }
                append(a, start, nl - start);
                if (nl < end) {
                    in.position(nl + 1);
                    return length;
                }
                in.position(end);
            }
            if (eof) {
                return length > 0 ? length : -1;
            }
            in.clear();
            int n = channel.read(in);
            in.flip();
            if (n < 0) {
                eof = true;
            }
        }
    }

    byte[] frame() {
        return line;
    }

    int maxFrame() {
        return maxFrame;
    }

    private void append(byte[] src, int from, int count) throws FrameTooLongException {
        if (count > maxFrame - length) {
            throw new FrameTooLongException(maxFrame);
        }
        if (length + count > line.length) {
            int size = line.length;
            while (size < length + count) {
                size = (int) Math.min((long) size * 2, maxFrame);
            }
            line = Arrays.copyOf(line, size);
            onGrow.accept(size);
        }
        System.arraycopy(src, from, line, length, count);
        length += count;
    }
}
