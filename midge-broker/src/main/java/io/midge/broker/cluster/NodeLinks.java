package io.midge.broker.cluster;

import io.midge.broker.metrics.BrokerMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;

/**
 * This node's links to the others, one per node ({@link NodeLink}): opened where the route table says a node takes
 * links, to the new address when a node restarted elsewhere, and again a second after one closed while its node is
 * still up and a member. Apart from {@link Cluster}, which decides when to link (its events and its sync), because
 * keeping one live link per node is a concern of its own.
 *
 * <p>Threads: the cluster's thread ({@code midge-cluster}) opens and forgets links; {@link #isUp} is read from any.
 */
final class NodeLinks {
    private static final long RELINK_MILLIS = 1_000;

    private final String localNode;
    private final LinkSecret secret;
    private final NodeQueues queues;
    private final RouteTable routes;
    private final Membership members;
    private final BrokerMetrics metrics;
    private final int maxInflight;
    private final Bootstrap bootstrap;
    /** Runs a task on the cluster's thread. */
    private final Consumer<Runnable> onThread;
    /** Runs a task on the cluster's thread after that many milliseconds. */
    private final ObjLongConsumer<Runnable> onThreadLater;
    /** Whether the cluster is closing: no link is opened again then. */
    private final BooleanSupplier closing;
    /** The current link to each node (connecting, up, or about to report closed). */
    private final Map<String, NodeLink> links = new ConcurrentHashMap<>();
    /** TLS for each link this node opens (its handler first in the pipeline); or null. */
    private Function<ByteBufAllocator, ? extends ChannelHandler> tls;
    /** Told of each link that comes up or goes down; set once joined, before the first link. */
    private SessionHandover handover;

    NodeLinks(String localNode, LinkSecret secret, NodeQueues queues, RouteTable routes, Membership members,
              BrokerMetrics metrics, int maxInflight, Bootstrap bootstrap, Consumer<Runnable> onThread,
              ObjLongConsumer<Runnable> onThreadLater, BooleanSupplier closing) {
        this.localNode = localNode;
        this.secret = secret;
        this.queues = queues;
        this.routes = routes;
        this.members = members;
        this.metrics = metrics;
        this.maxInflight = maxInflight;
        this.bootstrap = bootstrap;
        this.onThread = onThread;
        this.onThreadLater = onThreadLater;
        this.closing = closing;
    }

    void tls(Function<ByteBufAllocator, ? extends ChannelHandler> handlers) {
        this.tls = handlers;
    }

    void handover(SessionHandover sessionHandover) {
        this.handover = sessionHandover;
    }

    /** Whether there is a link to that node (connecting, up, or about to report closed). */
    boolean has(String node) {
        return links.containsKey(node);
    }

    /** Whether the link to that node is open and its queue attached; from any thread. */
    boolean isUp(String node) {
        NodeLink link = links.get(node);
        return link != null && link.isOpen() && link.session() != null;
    }

    /** Opens a link to the node at this address, unless the current one goes there already. */
    void link(String node, String address) {
        NodeLink current = links.get(node);
        if (current != null) {
            if (current.address.equals(address)) {
                return;
            }
            current.close(); // the node restarted elsewhere; the old link's end is not retried
        }
        queues.queue(node);
        NodeLink link = new NodeLink(node, address, localNode, secret, new NodeLink.Events() {
            @Override
            public void connected(NodeLink l, EventLoop loop) {
                handover.linkUp(l);
                queues.attach(l, loop);
            }

            @Override
            public void closed(NodeLink l) {
                handover.linkDown(l);
                queues.detach(l);
                onThread.accept(() -> linkClosed(l));
            }
        }, metrics, maxInflight);
        link.sharedFilters(queues::sharedFilter);
        link.tls(tls);
        links.put(node, link);
        link.connect(bootstrap);
    }

    private void linkClosed(NodeLink link) {
        if (links.get(link.node) != link) {
            return;
        }
        links.remove(link.node);
        if (closing.getAsBoolean()) {
            return;
        }
        onThreadLater.accept(() -> {
            String state = routes.state(link.node);
            if (!closing.getAsBoolean() && !links.containsKey(link.node) && state != null
                    && state.startsWith(RouteTable.UP) && members.isMember(link.node)) {
                link(link.node, state.substring(RouteTable.UP.length()));
            }
        }, RELINK_MILLIS);
    }

    /** Closes every link, as the cluster closes; on the cluster's thread. */
    void closeAll() {
        links.values().forEach(NodeLink::close);
        links.clear();
    }
}
