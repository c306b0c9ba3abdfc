package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.session.QueueBounds;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge: its outbound queue, and its link to the remote, connected again after every failure with exponential
 * backoff and jitter. Why the link failed (refused credentials, TLS, an unreachable remote) is logged when it
 * changes, not at every attempt; it is always in {@link BridgeStatus#lastError()}.
 *
 * <p>Threads: the links and the reconnect timer run on the bridge's own loop; {@link #start} and {@link #stop} are
 * called from the broker's start, a reload or its close.
 */
final class Bridge implements BridgeLink.Events {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long DRAIN_CHECK_MILLIS = 500;

    /**
     * What this node does of the bridge: runs it (HOST), leaves it to another node (STANDBY), sends what its queue
     * kept from when it ran it, before the queue goes (DRAIN), or nothing any more (STOPPED: removed, or the broker
     * stops). Changed on the loop only.
     */
    private enum Role { HOST, STANDBY, DRAIN, STOPPED }

    private final BridgeConfig config;
    private final BridgeContext context;
    private final EventLoop loop;
    private final TopicRules rules;
    private final BridgeCounters counters;
    private final BridgeQueue queue;
    private final BridgeInbound inbound;
    private final Backoff backoff = new Backoff();
    // On the loop.
    private BridgeLink link;
    /**
     * Written on the loop only; volatile for {@link #status}, read from any thread. Null until {@link #start} or
     * {@link #standBy} first gave it one: a broker starts its bridges as it starts, and shows them connecting.
     */
    private volatile Role role;
    /** While draining: the queue was empty when the drain link closed. */
    private boolean drained;
    /**
     * Standing by with the queue still subscribed: what other nodes forwarded here for it (while this node was down)
     * has not all arrived yet, so the drain does not end and the queue does not go. On the loop.
     */
    private boolean collecting;
    /** Raised by each {@link #start}: a standby's wait that ends after it leaves the queue's filters alone. */
    private volatile long starts;
    private String loggedError;
    /** The counter of connections when this bridge (this configuration of it) started. */
    private final long connectsAtStart;

    Bridge(BridgeConfig config, BridgeContext context, BridgeCounters counters) {
        this.config = config;
        this.context = context;
        this.loop = context.group().next();
        this.rules = new TopicRules(config.topics());
        this.counters = counters;
        this.connectsAtStart = counters.connects.sum();
        this.queue = new BridgeQueue(config.name(), context.sessions(), new QueueBounds(config.maxQueuedMessages(),
                config.maxQueuedBytes(), config.queueOverflow(), counters.dropped));
        this.inbound = new BridgeInbound(config, rules, context.router(), context.authorizer(), queue,
                context.sessions().store().persistence(), counters);
    }

    BridgeConfig config() {
        return config;
    }

    /**
     * Runs the bridge here: opens the queue with the out rules' subscriptions (stored before this returns; on a
     * cluster they are routes, so what matches on any node reaches it) and starts connecting.
     */
    void start() {
        starts++;
        queue.open(loop, rules.queueSubscriptions());
        loop.execute(() -> {
            collecting = false;
            if (role != Role.STOPPED && role != Role.HOST) {
                role = Role.HOST;
                if (link != null) {
                    link.close(); // a drain link: the queue's old messages go out with the rest now
                }
                connect();
            }
        });
    }

    /**
     * Another node runs the bridge: this one keeps no link to the remote, and its queue soon takes nothing more. What
     * the queue holds from when this node ran the bridge is sent by a link of its own (client identifier
     * {@code <client-id>-drain}, clean start, nothing subscribed), and then the queue goes. But first the queue keeps
     * its filters (and so its route) until what the other nodes had on its way here for it arrived ({@code placement}
     * says when, bounded): a message published elsewhere after this node died and before another took the bridge over
     * matched this node's route only, and waited in the other node's forwarding queue to this one; arriving after the
     * queue left its filters, it was lost. Messages routed here meanwhile that the new host also has reach the remote
     * twice (at least once across a crash). Called from the broker's start, or as the cluster's choice changes (not on
     * the loop).
     */
    void standBy(BridgePlacement placement) {
        stopLink(Role.STANDBY).join();
        if (context.sessions().get(queue.clientId()) == null) {
            return; // no queue was ever made here
        }
        long asOf = starts;
        queue.open(loop, null);
        if (queue.filters().isEmpty()) {
            loop.execute(this::collected); // no route: nothing can be on its way here
            return;
        }
        log.info("Bridge '{}' runs on another node; this node's queue ({} messages) keeps its filters until what the "
                + "other nodes forwarded here for it has arrived; it is sent to {} as client '{}' and then goes",
                config.name(), queue.queued(), config.address(), BridgeLink.drainClientId(config));
        loop.execute(() -> {
            if (role == Role.STANDBY) {
                collecting = true;
                if (queue.queued() > 0) {
                    drain(); // the old messages need not wait for the others' backlog
                }
            }
        });
        placement.forwardedHere(config.name(), queue.filters())
                .thenCompose(v -> queue.leaveFilters(() -> starts == asOf && role != Role.STOPPED))
                .whenComplete((v, e) -> loop.execute(() -> {
                    if (starts == asOf) {
                        collected();
                    }
                }));
    }

    /** Standing by, nothing more on its way for the queue (on the loop): it is sent, or goes now if empty. */
    private void collected() {
        collecting = false;
        if (role == Role.DRAIN) {
            if (link != null && link.isOpen()) {
                checkDrained(link);
            }
        } else if (role == Role.STANDBY) {
            if (queue.queued() == 0) {
                queue.discard();
            } else {
                drain();
            }
        }
    }

    /** Connects the link that sends the queue's old messages (on the loop, standing by). */
    private void drain() {
        log.info("Bridge '{}' runs on another node; the {} messages this node's queue holds are sent to {} as client "
                + "'{}', then the queue goes", config.name(), queue.queued(), config.address(),
                BridgeLink.drainClientId(config));
        role = Role.DRAIN;
        drained = false;
        connect();
    }

    /** Stops the link; with {@code discard} the queue and what it holds go too (the bridge was removed). */
    CompletableFuture<Void> stop(boolean discard) {
        CompletableFuture<Void> stoppedLink = stopLink(Role.STOPPED);
        return discard ? stoppedLink.thenCompose(v -> queue.discard()) : stoppedLink;
    }

    /** Closes the link, if any, and takes {@code next} as the role (nothing reconnects unless that is HOST). */
    private CompletableFuture<Void> stopLink(Role next) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            if (role != Role.STOPPED) {
                role = next;
            }
            if (link != null) {
                link.close();
            }
            done.complete(null);
        });
        return done;
    }

    private void connect() {
        if (role != Role.HOST && role != Role.DRAIN) {
            return;
        }
        BridgeLink next = new BridgeLink(config, rules, this, inbound, counters, context.maxInflight(),
                counters.connects.sum() == connectsAtStart, role == Role.DRAIN);
        link = next;
        SslContext ssl;
        try {
            ssl = BridgeChannels.ssl(config);
        } catch (Exception e) {
            next.notOpened("bad TLS settings: " + BridgeLink.describe(e));
            return;
        }
        Bootstrap b = new Bootstrap().group(loop).channel(context.channelType())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(BridgeChannels.initializer(config, ssl, next));
        b.connect(config.host(), config.port()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                loop.execute(() -> next.notOpened("cannot connect to " + config.address() + ": "
                        + BridgeLink.describe(f.cause())));
            }
        });
    }

    /** While draining: once the queue is empty the drain link closes, and the queue goes as it does. */
    private void checkDrained(BridgeLink l) {
        if (l != link || role != Role.DRAIN || !l.isOpen()) {
            return;
        }
        if (queue.queued() == 0 && !collecting) {
            drained = true;
            l.close();
        } else {
            loop.schedule(() -> checkDrained(l), DRAIN_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void connected(BridgeLink l) {
        if (l != link || (role != Role.HOST && role != Role.DRAIN)) {
            l.close();
            return;
        }
        queue.attach(l, loop, () -> {
            counters.connected = true;
            counters.connects.increment();
            counters.lastError = null;
            loggedError = null;
            backoff.reset();
            log.info("Bridge '{}' connected to {} (MQTT {}, {}); {} messages queued{}", config.name(),
                    config.address(), config.version() == 5 ? "5.0" : "3.1.1", config.transport().configName(),
                    queue.queued(), role == Role.DRAIN ? " from when this node ran it, to send before it goes" : "");
            if (role == Role.DRAIN) {
                checkDrained(l);
            }
        });
    }

    @Override
    public void failed(BridgeLink l, String why) {
        counters.lastError = why;
        if (!why.equals(loggedError)) {
            loggedError = why;
            log.warn("Bridge '{}' to {}: {} (retrying with backoff; logged again only when the reason changes)",
                    config.name(), config.address(), why);
        } else {
            log.debug("Bridge '{}' to {}: {}", config.name(), config.address(), why);
        }
    }

    @Override
    public void closed(BridgeLink l) {
        boolean wasUp = counters.connected && l == link;
        queue.detach(l);
        if (l != link) {
            return;
        }
        counters.connected = false;
        if (role == Role.DRAIN && drained) {
            role = Role.STANDBY;
            log.info("Bridge '{}': this node's old queue is sent; it goes, and the bridge runs on another node",
                    config.name());
            queue.discard();
            return;
        }
        if (wasUp && role == Role.HOST) {
            log.info("Bridge '{}': link to {} down; messages queue until it is back", config.name(),
                    config.address());
        }
        if (role == Role.HOST || role == Role.DRAIN) {
            loop.schedule(this::connect, backoff.next(), TimeUnit.MILLISECONDS);
        }
    }

    BridgeStatus status() {
        boolean connected = counters.connected;
        Role now = role;
        String state = now == null ? "connecting" : switch (now) {
            case HOST -> connected ? "running" : "connecting";
            case STANDBY -> "standby";
            case DRAIN -> "draining";
            case STOPPED -> "stopped";
        };
        return new BridgeStatus(config.name(), config.address(), state, connected, queue.queued(),
                queue.queuedBytes(), counters.sent.sum(), counters.received.sum(),
                counters.dropped.sum() + counters.tooLarge.sum(), counters.lastError);
    }
}
