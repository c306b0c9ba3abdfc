package io.midge.client;

import io.midge.codec.property.MqttProperties;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A blocking view of a {@link MidgeClient} (one per client, from {@link MidgeClient#blocking()}): each call waits
 * for its future (up to the timeout, 30 s by default) and throws {@link MqttClientException} on failure. Incoming
 * messages are taken with {@link #receive(Duration)} from a queue of at most 1024, filled with backpressure (the
 * client stops reading while it is full).
 *
 * <pre>{@code
 * try (MidgeClient client = MidgeClient.builder().port(1883).build()) {
 *     BlockingClient blocking = client.blocking();
 *     blocking.connect();
 *     blocking.subscribe("greetings/#", 1);
 *     blocking.publish("greetings/world", "hello", 1);
 *     IncomingMessage m = blocking.receive(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class BlockingClient {
    private static final int QUEUE = 1024;
    private final MidgeClient client;
    private volatile Duration timeout = Duration.ofSeconds(30);
    private final BlockingQueue<IncomingMessage> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;

    BlockingClient(MidgeClient client) {
        this.client = client;
        client.messages().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(QUEUE);
            }

            @Override
            public void onNext(IncomingMessage item) {
                queue.add(item);
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        });
    }

    /** Sets how long each call waits (default 30 s). */
    public BlockingClient timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** The asynchronous client behind this view. */
    public MidgeClient async() {
        return client;
    }

    /** Connects; see {@link MidgeClient#connect()}. */
    public ConnectResult connect() {
        return await(client.connect());
    }

    /** Publishes and waits for the end of the flow; see {@link MidgeClient#publish(OutgoingMessage)}. */
    public PublishResult publish(OutgoingMessage message) {
        return await(client.publish(message));
    }

    /** Publishes a UTF-8 text, not retained. */
    public PublishResult publish(String topic, String payload, int qos) {
        return publish(OutgoingMessage.of(topic, payload, qos));
    }

    /** Subscribes to one topic filter. */
    public SubscribeResult subscribe(String topicFilter, int qos) {
        return await(client.subscribe(topicFilter, qos));
    }

    /** Unsubscribes from topic filters. */
    public UnsubscribeResult unsubscribe(String... topicFilters) {
        return await(client.unsubscribe(List.of(topicFilters), MqttProperties.EMPTY));
    }

    /** The next incoming message, or null when none arrives within {@code wait}. */
    public IncomingMessage receive(Duration wait) throws InterruptedException {
        IncomingMessage m = queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (m != null) {
            subscription.request(1);
        }
        return m;
    }

    /** Disconnects. */
    public void disconnect() {
        await(client.disconnect());
    }

    private <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MqttClientException(MqttClientException.Kind.INTERRUPTED, "interrupted", e);
        } catch (TimeoutException e) {
            throw new MqttClientException(MqttClientException.Kind.TIMEOUT,
                    "no answer within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof MqttClientException) {
                throw (MqttClientException) cause;
            }
            throw new MqttClientException(MqttClientException.Kind.UNEXPECTED, String.valueOf(cause.getMessage()),
                    cause);
        }
    }
}
