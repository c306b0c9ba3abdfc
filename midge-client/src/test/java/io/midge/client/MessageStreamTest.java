package io.midge.client;

import io.midge.client.testing.MidgeBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Incoming messages through {@link MidgeClient#messages()}: no more than requested, in order, none lost. */
class MessageStreamTest {

    @Test
    void aSubscriberGetsNoMoreThanItRequestedAndEveryMessageOnceItAsksForMore() {
        List<String> received = new CopyOnWriteArrayList<>();
        AtomicLong requested = new AtomicLong();
        AtomicLong overRequested = new AtomicLong();
        AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        try (MidgeBroker broker = MidgeBroker.start();
             MidgeClient subscriber = MidgeClient.builder().port(broker.port()).build();
             MidgeClient publisher = MidgeClient.builder().port(broker.port()).build()) {
            subscriber.messages().subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subscription.set(s);
                }

                @Override
                public void onNext(IncomingMessage item) {
                    received.add(item.payloadAsString());
                    if (received.size() > requested.get()) {
                        overRequested.incrementAndGet();
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onComplete() {
                }
            });
            subscriber.connect().join();
            subscriber.subscribe("stream/#", 1).join();
            publisher.connect().join();
            List<CompletableFuture<PublishResult>> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add(publisher.publish(OutgoingMessage.of("stream/x", "s" + i, 1)));
            }
            await().until(() -> subscription.get() != null);

            requested.set(5);
            subscription.get().request(5);
            await().until(() -> received.size() == 5);

            requested.addAndGet(195);
            subscription.get().request(195);
            await().until(() -> received.size() == 200);
            sent.forEach(CompletableFuture::join);

            assertThat(overRequested).hasValue(0);
            assertThat(received).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 200).mapToObj(i -> "s" + i).toList());
        }
    }

    @Test
    void closingTheClientCompletesTheStream() {
        AtomicLong completions = new AtomicLong();
        try (MidgeBroker broker = MidgeBroker.start()) {
            MidgeClient client = MidgeClient.builder().port(broker.port()).build();
            client.messages().subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(IncomingMessage item) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onComplete() {
                    completions.incrementAndGet();
                }
            });
            client.connect().join();
            client.close();
            await().until(() -> completions.get() == 1);
        }
    }
}
