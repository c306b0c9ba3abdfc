package io.midge.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.NodeMarks;
import io.midge.broker.routing.Router;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.codec.property.MqttProperties;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that joins, or restarts on an empty or stale store, catches up on the cluster's retained messages: its
 * forwarding queues at the other nodes carry what is retained from the moment they exist, but not what was retained
 * before. So each node, as it starts, asks one live node for a copy of every retained message it holds; that node
 * puts the copies, then an end mark, into its forwarding queue to the new node, so they travel over the link like
 * any message (never through Hazelcast) and in order with what it forwards meanwhile. The receiving side
 * ({@link io.midge.broker.routing.Router#beginRetainedSync}) keeps whatever is newer than a copy, and at the end
 * clears the retained messages from other nodes that no copy renewed (they were cleared while it was away).
 *
 * <p>The request is the only thing in Hazelcast: the map {@code midge.retained-sync}, keyed by the node that asks,
 * valued {@code <asked node> <nonce>}. It is made once every other node that is up has its link to this node up
 * (so each has its queue to this node: nothing retained from then on can miss it), or after {@link #WAIT_NANOS}; and
 * made again of another node when no end came within {@link #RETRY_NANOS} (the asked node died, say).
 *
 * <p>Threads: the cluster's thread; the request is written on the cluster's writer ({@code writes}), as a
 * replicated map's {@code put} may wait seconds on a loaded machine.
 */
final class RetainedCatchUp {
    private static final Logger log = LoggerFactory.getLogger(RetainedCatchUp.class);
    static final String MAP = "midge.retained-sync";
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How the copies go into a queue: at their own QoS, RETAIN set, marked by {@link NodeMarks#SYNC_ID}. */
    private static final SubscriptionOptions COPIES = new SubscriptionOptions(2, false, true, 0, NodeMarks.SYNC_ID);

    private final String self;
    private final Router router;
    private final SessionRegistry sessions;
    private final NodeQueues queues;
    private final Executor writes;
    private ReplicatedMap<String, String> requests;
    private long beganNanos;
    private long askedNanos;
    /** The node asked last, or null. */
    private String asked;
    private int attempts;

    RetainedCatchUp(String self, Router router, SessionRegistry sessions, NodeQueues queues, Executor writes) {
        this.self = self;
        this.writes = writes;
        this.router = router;
        this.sessions = sessions;
        this.queues = queues;
    }

    /** From now on what is retained here counts as newer than any copy. Before anything comes from a node. */
    void begin() {
        router.beginRetainedSync();
        beganNanos = System.nanoTime();
    }

    void connect(ReplicatedMap<String, String> map) {
        this.requests = map;
    }

    /**
     * Asks a node for the copies when it is time (see the class notes). {@code up} are the other nodes that are up
     * and members now, in a stable order; {@code alone} whether Hazelcast sees no other member at all.
     */
    void step(List<String> up, boolean alone) {
        if (!router.retainedSyncRunning()) {
            return;
        }
        long now = System.nanoTime();
        if (up.isEmpty()) {
            if (asked == null && (alone || now - beganNanos > WAIT_NANOS)) {
                // The first node up: its store is what the cluster retains; the others catch up from it.
                router.endRetainedSync(false);
                log.info("Retained messages: no other node up to catch up from; this node's are the cluster's");
            }
            return;
        }
        if (asked != null && now - askedNanos < RETRY_NANOS) {
            return;
        }
        String choice;
        if (asked == null) {
            String linkedIn = null;
            boolean allLinked = true;
            for (String node : up) {
                Session in = sessions.get(NodeLink.LINK_PREFIX + node);
                if (in != null && in.isOnline()) {
                    linkedIn = linkedIn == null ? node : linkedIn;
                } else {
                    allLinked = false;
                }
            }
            if (!allLinked && now - beganNanos < WAIT_NANOS) {
                return;
            }
            choice = linkedIn != null ? linkedIn : up.get(0);
        } else {
            choice = up.get(attempts % up.size()); // no end came from the node asked last: ask the next one
        }
        attempts++;
        asked = choice;
        askedNanos = now;
        String request = choice + " " + now;
        writes.execute(() -> requests.put(self, request));
        log.info("Retained messages: asking node '{}' for a copy of each (attempt {})", choice, attempts);
    }

    /** An entry of the request map changed: when this node is asked, it sends its copies. */
    void requested(String node, String value) {
        if (node.equals(self) || value == null || !value.startsWith(self + " ")) {
            return;
        }
        Session queue = queues.queue(node);
        int[] copies = {0};
        router.retained().match("#", m -> copies[0]++); // what sendRetained takes: "#" leaves out $ topics
        router.sendRetained(queue, "#", COPIES);
        // The end: RETAIN set on the wire (so the other node does not count it as a message nobody wanted), not in
        // the message (so the link tells it from a copy).
        Message end = new Message("midge/retained-sync/end", 1, false, Unpooled.buffer(0), MqttProperties.EMPTY,
                Message.NEVER, null);
        Delivery last = new Delivery(end, 1, true, new int[] {NodeMarks.SYNC_ID});
        if (!queue.offer(last)) {
            last.release();
        }
        log.info("Retained messages: node '{}' catches up; {} copies queued for it (expired ones left out)", node,
                copies[0]);
    }
}
