package io.midge.broker.transport;

import io.netty.channel.IoHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.collection.IntObjectMap;
import java.lang.reflect.Field;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epoll event loop's channels by file descriptor, in an array indexed by the descriptor: what Netty's
 * {@link EpollIoHandler} keeps in an {@code IntObjectHashMap} instead, which {@link #install} replaces with this.
 *
 * <p>Why: that map hashes a descriptor to itself and probes linearly, and the kernel hands out the lowest free
 * descriptors, so the descriptors of a loop's connections sit in one run of adjacent slots. Removing one (every close)
 * walks the rest of that run to re-place entries: O(connections) per close. Measured with mqbench's {@code conn}
 * scenario (10,000 connections), that walk was 11-15% of the event loop's CPU per connect and disconnect, and it grows
 * with the number of connections. Here every operation is an array access; the array has a slot per descriptor up to
 * the highest one seen (4 bytes each: 80 KB at 20,000 descriptors, less than the hash map's two arrays).
 *
 * <p>Threads: the event loop's only, as the map it replaces.
 */
final class FdTable<V> extends AbstractMap<Integer, V> implements IntObjectMap<V> {
    private static final Logger log = LoggerFactory.getLogger(FdTable.class);
    /** The handler's map, or null when this Netty has no such field (it changed): the handler then keeps its own. */
    private static final Field REGISTRATIONS = registrationsField();

    private Object[] byFd = new Object[1024];
    private int size;

    /**
     * Gives a new epoll handler this table for its registrations, before it registers anything; leaves any other
     * handler, or one whose map cannot be replaced, as it is. Returns the handler.
     */
    static IoHandler install(IoHandler handler) {
        if (REGISTRATIONS != null && handler instanceof EpollIoHandler) {
            try {
                if (REGISTRATIONS.get(handler) instanceof IntObjectMap<?> own && own.isEmpty()) {
                    REGISTRATIONS.set(handler, new FdTable<>());
                }
            } catch (IllegalAccessException | RuntimeException e) {
                log.debug("Netty's epoll registrations stay in its own map: {}", e.toString());
            }
        }
        return handler;
    }

    /** Whether the handler keeps its registrations in a table of this kind (for tests). */
    static boolean installedIn(IoHandler handler) {
        try {
            return REGISTRATIONS != null && REGISTRATIONS.get(handler) instanceof FdTable;
        } catch (IllegalAccessException e) {
            return false;
        }
    }

    private static Field registrationsField() {
        try {
            Field f = EpollIoHandler.class.getDeclaredField("registrations");
            if (f.getType() != IntObjectMap.class) {
                return null;
            }
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(int fd) {
        return fd >= 0 && fd < byFd.length ? (V) byFd[fd] : null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V put(int fd, V value) {
        if (fd < 0) {
            throw new IllegalArgumentException("file descriptor " + fd);
        }
        if (value == null) {
            return remove(fd);
        }
        if (fd >= byFd.length) {
            byFd = Arrays.copyOf(byFd, Math.max(fd + 1, byFd.length * 2));
        }
        V old = (V) byFd[fd];
        byFd[fd] = value;
        if (old == null) {
            size++;
        }
        return old;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V remove(int fd) {
        if (fd < 0 || fd >= byFd.length) {
            return null;
        }
        V old = (V) byFd[fd];
        if (old != null) {
            byFd[fd] = null;
            size--;
        }
        return old;
    }

    @Override
    public boolean containsKey(int fd) {
        return get(fd) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public V get(Object key) {
        return key instanceof Integer fd ? get(fd.intValue()) : null;
    }

    @Override
    public V put(Integer key, V value) {
        return put(key.intValue(), value);
    }

    @Override
    public V remove(Object key) {
        return key instanceof Integer fd ? remove(fd.intValue()) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public void clear() {
        Arrays.fill(byFd, null);
        size = 0;
    }

    /** The entries at the time of the call (a copy: the caller may remove while it walks them). */
    @Override
    public Iterable<PrimitiveEntry<V>> entries() {
        List<PrimitiveEntry<V>> entries = new ArrayList<>(size);
        for (int fd = 0; fd < byFd.length; fd++) {
            if (byFd[fd] != null) {
                entries.add(new Slot(fd));
            }
        }
        return entries;
    }

    @Override
    public Set<Map.Entry<Integer, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<Integer, V>> iterator() {
                return new Iterator<>() {
                    private int next = advance(0);
                    private int last = -1;

                    private int advance(int from) {
                        int fd = from;
                        while (fd < byFd.length && byFd[fd] == null) {
                            fd++;
                        }
                        return fd;
                    }

                    @Override
                    public boolean hasNext() {
                        return next < byFd.length;
                    }

                    @Override
                    public Map.Entry<Integer, V> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        last = next;
                        next = advance(next + 1);
                        return new SimpleEntry<>(last, get(last));
                    }

                    @Override
                    public void remove() {
                        if (last < 0) {
                            throw new IllegalStateException();
                        }
                        FdTable.this.remove(last);
                        last = -1;
                    }
                };
            }
        };
    }

    /** One descriptor's slot, as {@link #entries} hands it out. */
    private final class Slot implements PrimitiveEntry<V> {
        private final int fd;

        Slot(int fd) {
            this.fd = fd;
        }

        @Override
        public int key() {
            return fd;
        }

        @Override
        public V value() {
            return get(fd);
        }

        @Override
        public void setValue(V value) {
            put(fd, value);
        }
    }
}
