package io.midge.broker.protocol;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The keep-alive deadlines of the connections on one event loop: a connection that sends no packet for one and a
 * half keep-alive periods is ended (MQTT-3.1.2-22, MQTT-3.1.2-24).
 *
 * <p>A timer per connection (Netty's IdleStateHandler: a handler, its pipeline context and a scheduled task) cost
 * some 280 bytes of every idle connection. Here the loop keeps one list per keep-alive period in use, threaded
 * through the connections themselves and ordered by their last read: a read moves the connection to the tail (the
 * loop's clock only goes forward, so the order holds), and one scheduled task per list runs when the head's deadline
 * passes. As exact as a timer per connection, O(1) per read, and a few fields per connection.
 *
 * <p>Until CONNACK a connection sits in the list of the period connect-timeout instead, and no read moves it on:
 * {@link MqttConnection#keepAliveExpired} tells the two apart by the connection's state. A connection without a
 * keep-alive (0) sits in a list without a deadline ({@link #NO_DEADLINE}, no timer), and one whose keep-alive ran
 * out stays in that list until it has closed: so the lists hold every open connection of the loop from
 * {@code channelActive} to {@code channelInactive}, which is how a listener that stops finds its connections
 * ({@link #watched}) without a set of its own to add to and remove from at every connect and close (Netty's
 * {@code ChannelGroup}: a map entry and a close listener per connection, 4.7% of the loop's CPU per connect and
 * disconnect).
 *
 * <p>Threads: everything runs on the loop the connections belong to. The registry of loops is shared; each loop adds
 * and removes only its own entry, which it drops when it has no connection to watch (so an embedded test loop
 * leaves nothing behind).
 */
final class KeepAlives {
    private static final Map<EventExecutor, KeepAlives> LOOPS = new ConcurrentHashMap<>();
    /** The period of the list of connections with no deadline: no keep-alive, or closing after theirs ran out. */
    static final long NO_DEADLINE = Long.MAX_VALUE;

    private final EventExecutor loop;
    private final Ticker ticker;
    /** One line per keep-alive period in use on this loop, by the period in nanoseconds. */
    private final Map<Long, Line> lines = new HashMap<>();

    private KeepAlives(EventExecutor loop) {
        this.loop = loop;
        this.ticker = loop.ticker();
    }

    /**
     * Starts watching a connection, on its loop: from now on, each packet it sends must follow the one before (or
     * now) within {@code periodNanos}.
     */
    static void watch(MqttConnection connection, EventExecutor loop, long periodNanos) {
        KeepAlives loopKeepAlives = LOOPS.computeIfAbsent(loop, KeepAlives::new);
        loopKeepAlives.lines.computeIfAbsent(periodNanos, loopKeepAlives::newLine)
                .append(connection, loopKeepAlives.ticker.nanoTime());
    }

    /** A packet came: the connection's period starts again now. */
    static void read(MqttConnection connection) {
        Line line = connection.keepAliveLine;
        if (line != null) {
            line.moveToTail(connection, line.owner().ticker.nanoTime());
        }
    }

    /**
     * Every connection watched on {@code loop} now, which is every open one (see above): a copy, to close them from.
     * On that loop.
     */
    static List<MqttConnection> watched(EventExecutor loop) {
        KeepAlives loopKeepAlives = LOOPS.get(loop);
        List<MqttConnection> all = new ArrayList<>();
        if (loopKeepAlives != null) {
            for (Line line : loopKeepAlives.lines.values()) {
                for (MqttConnection c = line.head; c != null; c = c.keepAliveNext) {
                    all.add(c);
                }
            }
        }
        return all;
    }

    /** Stops watching a connection (it closed); nothing when it was not watched. */
    static void unwatch(MqttConnection connection) {
        Line line = connection.keepAliveLine;
        if (line != null) {
            line.remove(connection);
        }
    }

    private Line newLine(long periodNanos) {
        return new Line(periodNanos);
    }

    /** The connections with one keep-alive period, least recently read first; one timer for the first deadline. */
    final class Line implements Runnable {
        private final long period;
        private MqttConnection head;
        private MqttConnection tail;
        private ScheduledFuture<?> timer;

        private Line(long period) {
            this.period = period;
        }

        KeepAlives owner() {
            return KeepAlives.this;
        }

        void append(MqttConnection c, long now) {
            c.keepAliveLine = this;
            c.lastRead = now;
            c.keepAlivePrev = tail;
            c.keepAliveNext = null;
            if (tail == null) {
                head = c;
                tail = c;
                if (period != NO_DEADLINE) {
                    timer = loop.schedule(this, period, TimeUnit.NANOSECONDS);
                }
            } else {
                tail.keepAliveNext = c;
                tail = c;
            }
        }

        /** Its deadline moves on; the timer, set for the head, finds out when it runs (as IdleStateHandler's does). */
        void moveToTail(MqttConnection c, long now) {
            c.lastRead = now;
            if (c == tail) {
                return;
            }
            unlink(c);
            c.keepAlivePrev = tail;
            tail.keepAliveNext = c;
            tail = c;
        }

        void remove(MqttConnection c) {
            unlink(c);
            c.keepAliveLine = null;
            c.keepAlivePrev = null;
            c.keepAliveNext = null;
            if (head == null) {
                if (timer != null) {
                    timer.cancel(false);
                    timer = null;
                }
                lines.remove(period);
                if (lines.isEmpty()) {
                    LOOPS.remove(loop, KeepAlives.this);
                }
            }
        }

        private void unlink(MqttConnection c) {
            MqttConnection prev = c.keepAlivePrev;
            MqttConnection next = c.keepAliveNext;
            if (prev == null) {
                head = next;
            } else {
                prev.keepAliveNext = next;
            }
            if (next == null) {
                tail = prev;
            } else {
                next.keepAlivePrev = prev;
            }
            c.keepAliveNext = null;
        }

        /** The head's deadline passed (or a head that read since): every connection past its deadline is asked. */
        @Override
        public void run() {
            timer = null;
            long now = ticker.nanoTime();
            MqttConnection c;
            while ((c = head) != null && now - c.lastRead >= period) {
                if (c.keepAliveExpired()) {
                    // The connection ends; listed without a deadline until it has closed (see above).
                    remove(c);
                    watch(c, loop, NO_DEADLINE);
                    c.keepAliveTimedOut();
                } else {
                    moveToTail(c, now); // forgiven: a whole period from now, as a new one
                }
            }
            if (head != null && timer == null) {
                timer = loop.schedule(this, head.lastRead + period - now, TimeUnit.NANOSECONDS);
            }
        }
    }
}
