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
    private boolean stopped;
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

    /** Opens the queue (stored before this returns) and starts connecting. */
    void start() {
        queue.open(loop, rules.queueSubscriptions());
        loop.execute(this::connect);
    }

    /** Stops the link; with {@code discard} the queue and what it holds go too (the bridge was removed). */
    CompletableFuture<Void> stop(boolean discard) {
        CompletableFuture<Void> stoppedLink = new CompletableFuture<>();
        loop.execute(() -> {
            stopped = true;
            if (link != null) {
                link.close();
            }
            stoppedLink.complete(null);
        });
        return discard ? stoppedLink.thenCompose(v -> queue.discard()) : stoppedLink;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        BridgeLink next = new BridgeLink(config, rules, this, inbound, counters, context.maxInflight(),
                counters.connects.sum() == connectsAtStart);
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

    @Override
    public void connected(BridgeLink l) {
        if (l != link || stopped) {
            l.close();
            return;
        }
        queue.attach(l, loop, () -> {
            counters.connected = true;
            counters.connects.increment();
            counters.lastError = null;
            loggedError = null;
            backoff.reset();
            log.info("Bridge '{}' connected to {} (MQTT {}, {}); {} messages queued", config.name(),
                    config.address(), config.version() == 5 ? "5.0" : "3.1.1", config.transport().configName(),
                    queue.queued());
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
        if (wasUp) {
            log.info("Bridge '{}': link to {} down; messages queue until it is back", config.name(),
                    config.address());
        }
        if (!stopped) {
            loop.schedule(this::connect, backoff.next(), TimeUnit.MILLISECONDS);
        }
    }

    BridgeStatus status() {
        return new BridgeStatus(config.name(), config.address(), counters.connected, queue.queued(),
                queue.queuedBytes(), counters.sent.sum(), counters.received.sum(),
                counters.dropped.sum() + counters.tooLarge.sum(), counters.lastError);
    }
}
