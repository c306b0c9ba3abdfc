package io.midge.client;

import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;

/**
 * The incoming messages as a {@link Flow.Publisher}: each subscriber gets every message delivered after it
 * subscribed, no faster than it requests them. While any subscriber has messages waiting for demand, the client
 * stops reading from the socket (TCP then slows the broker down), so the waiting messages are bounded by what one
 * read brought in. Signals go to subscribers on the client's event loop, one at a time.
 */
final class MessageStream implements Flow.Publisher<IncomingMessage> {
    private final EventLoop loop;
    private final Runnable demandChanged;
    private final List<Sub> subscribers = new CopyOnWriteArrayList<>();
    private boolean completed;

    MessageStream(EventLoop loop, Runnable demandChanged) {
        this.loop = loop;
        this.demandChanged = demandChanged;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super IncomingMessage> subscriber) {
        Sub sub = new Sub(subscriber);
        loop.execute(() -> {
            if (completed) {
                subscriber.onSubscribe(sub);
                subscriber.onComplete();
                return;
            }
            subscribers.add(sub);
            subscriber.onSubscribe(sub);
        });
    }

    /** Hands a message to every subscriber (on the loop). */
    void offer(IncomingMessage message) {
        for (Sub sub : subscribers) {
            sub.queue.add(message);
            sub.drain();
        }
    }

    /** Whether some subscriber has messages waiting for its demand (on the loop). */
    boolean backlogged() {
        for (Sub sub : subscribers) {
            if (!sub.queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Ends every subscription with onComplete (the client was closed). */
    void complete() {
        loop.execute(() -> {
            completed = true;
            for (Sub sub : subscribers) {
                sub.cancelled = true;
                sub.subscriber.onComplete();
            }
            subscribers.clear();
        });
    }

    private final class Sub implements Flow.Subscription {
        private final Flow.Subscriber<? super IncomingMessage> subscriber;
        private final ArrayDeque<IncomingMessage> queue = new ArrayDeque<>();
        private long demand;
        private boolean cancelled;

        Sub(Flow.Subscriber<? super IncomingMessage> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            loop.execute(() -> {
                if (cancelled) {
                    return;
                }
                if (n <= 0) {
                    cancelled = true;
                    subscribers.remove(this);
                    subscriber.onError(new IllegalArgumentException("request(" + n + "): n must be positive"));
                    demandChanged.run();
                    return;
                }
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                drain();
                demandChanged.run();
            });
        }

        @Override
        public void cancel() {
            loop.execute(() -> {
                cancelled = true;
                queue.clear();
                subscribers.remove(this);
                demandChanged.run();
            });
        }

        void drain() {
            while (demand > 0 && !queue.isEmpty() && !cancelled) {
                demand--;
                IncomingMessage next = queue.poll();
                try {
                    subscriber.onNext(next);
                } catch (RuntimeException e) {
                    cancelled = true;
                    queue.clear();
                    subscribers.remove(this);
                    subscriber.onError(e);
                }
            }
        }
    }
}
