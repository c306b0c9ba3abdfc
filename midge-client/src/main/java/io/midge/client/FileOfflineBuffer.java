package io.midge.client;

import io.midge.codec.MqttDecoder;
import io.midge.codec.MqttEncoder;
import io.midge.codec.packet.MqttPacket;
import io.midge.codec.packet.Publish;
import io.midge.codec.protocol.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One file per QoS 1/2 message, named by a rising number. The file holds the message as an MQTT 5.0 PUBLISH packet
 * (the codec is the serialization); it is written to a temporary name, synced, renamed into place and the directory
 * synced, so a crash leaves either the whole message or none. A message deleted just before a crash may be sent
 * again after it: at least once, as QoS 1 promises.
 */
final class FileOfflineBuffer implements OfflineBuffer {
    private static final String SUFFIX = ".msg";
    private final Path directory;
    private final int capacity;
    private final AtomicLong ids = new AtomicLong();

    FileOfflineBuffer(Path directory, int capacity) throws IOException {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.directory = Files.createDirectories(directory);
        this.capacity = capacity;
        for (Path file : files()) {
            ids.set(Math.max(ids.get(), idOf(file)));
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long store(OutgoingMessage message) throws IOException {
        long id = ids.incrementAndGet();
        Publish publish = new Publish(message.topic(), message.qos(), message.retain(), false, 1,
                message.properties(), Unpooled.wrappedBuffer(message.payload()));
        ByteBuf encoded = MqttEncoder.encode(UnpooledByteBufAllocator.DEFAULT, publish, MqttVersion.MQTT_5);
        byte[] bytes;
        try {
            bytes = ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
            publish.release();
        }
        Path tmp = directory.resolve(name(id) + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
        Files.move(tmp, directory.resolve(name(id) + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory();
        return id;
    }

    @Override
    public void remove(long id) {
        try {
            Files.deleteIfExists(directory.resolve(name(id) + SUFFIX));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<Stored> recover() throws IOException {
        List<Stored> result = new ArrayList<>();
        for (Path file : files()) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException gone) {
                continue;
            }
            ByteBuf in = Unpooled.wrappedBuffer(bytes);
            MqttPacket packet = MqttDecoder.forClient(MqttVersion.MQTT_5, MqttDecoder.MAX_PACKET_SIZE).decode(in);
            if (!(packet instanceof Publish publish)) {
                throw new IOException("not a stored message: " + file);
            }
            try {
                result.add(new Stored(idOf(file), new OutgoingMessage(publish.topic(),
                        ByteBufUtil.getBytes(publish.payload()), publish.qos(), publish.retainFlag(),
                        publish.properties())));
            } finally {
                publish.release();
            }
        }
        return result;
    }

    @Override
    public void close() {
    }

    private List<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            stream.forEach(files::add);
        }
        files.sort(Comparator.comparingLong(FileOfflineBuffer::idOf));
        return files;
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the file itself is synced.
        }
    }

    private static String name(long id) {
        return String.format("%019d", id);
    }

    private static long idOf(Path file) {
        String name = file.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }
}
