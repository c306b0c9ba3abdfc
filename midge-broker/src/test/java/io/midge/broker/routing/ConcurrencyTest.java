package io.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Writers subscribe and unsubscribe (or put and remove) on overlapping branches, so that they create and prune the
 * same nodes, while readers match. Subscriptions that exist throughout must be found by every match, and at the end
 * the structure must hold exactly what the writers left in it: no update lost in a pruned branch.
 */
class ConcurrencyTest {
    private static final int WRITERS = 4;
    private static final int READERS = 3;
    private static final int OPERATIONS = 200_000;
    private static final List<String> FILTERS = List.of("a/b/c", "a/b/c/d", "a/b", "a/#", "a/+/c", "+/b/#", "a/b/c/#",
            "$share/g/a/b/c", "$share/h/a/+/c", "x/y/z", "a/b/c/d/e/f");

    @Test
    void matchingStaysCorrectWhileSubscriptionsChurn() throws Exception {
        TopicTree tree = new TopicTree();
        FakeSession steady = new FakeSession("steady");
        FakeSession wildcard = new FakeSession("wildcard");
        FakeSession worker1 = new FakeSession("worker1");
        FakeSession worker2 = new FakeSession("worker2");
        tree.subscribe(steady, "a/b/c", SubscriptionOptions.of(1));
        tree.subscribe(wildcard, "a/+/c", SubscriptionOptions.of(0));
        tree.subscribe(worker1, "$share/g/a/b/c", SubscriptionOptions.of(0));
        tree.subscribe(worker2, "$share/g/a/b/c", SubscriptionOptions.of(0));

        List<FakeSession> writers = new ArrayList<>();
        List<Map<String, Boolean>> held = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(new FakeSession("writer" + w));
            held.add(new HashMap<>());
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        CyclicBarrier start = new CyclicBarrier(WRITERS + READERS);
        List<Thread> threads = new ArrayList<>();

        for (int w = 0; w < WRITERS; w++) {
            FakeSession me = writers.get(w);
            Map<String, Boolean> mine = held.get(w);
            long seed = w;
            threads.add(new Thread(() -> run(failures, start, () -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < OPERATIONS; i++) {
                    String filter = FILTERS.get(random.nextInt(FILTERS.size()));
                    boolean has = mine.getOrDefault(filter, false);
                    if (random.nextBoolean()) {
                        SubscribeResult result = tree.subscribe(me, filter, SubscriptionOptions.of(random.nextInt(3)));
                        assertThat(result.existed()).as("subscribe %s", filter).isEqualTo(has);
                        mine.put(filter, true);
                    } else {
                        assertThat(tree.unsubscribe(me, filter)).as("unsubscribe %s", filter).isEqualTo(has);
                        mine.put(filter, false);
                    }
                }
            })));
        }
        for (int r = 0; r < READERS; r++) {
            threads.add(new Thread(() -> run(failures, start, () -> {
                Matches matches = new Matches();
                while (writing.get()) {
                    tree.match("a/b/c", "publisher", matches);
                    Set<Subscriber> plain = Collections.newSetFromMap(new IdentityHashMap<>());
                    int shared = 0;
                    for (int i = 0; i < matches.size(); i++) {
                        if (matches.shared(i)) {
                            shared++;
                        } else {
                            assertThat(plain.add(matches.subscriber(i))).as("delivered twice").isTrue();
                        }
                    }
                    assertThat(plain).contains(steady, wildcard);
                    // group g always has its two workers; group h exists while some writer is in it
                    assertThat(shared).isBetween(1, 2);
                }
            })));
        }
        runAll(threads, WRITERS, writing);
        assertThat(failures).isEmpty();

        // Everything a writer believes it holds is in the tree, and nothing else.
        int expected = 4;
        for (int w = 0; w < WRITERS; w++) {
            for (Map.Entry<String, Boolean> entry : held.get(w).entrySet()) {
                if (entry.getValue()) {
                    expected++;
                }
            }
        }
        assertThat(tree.subscriptionCount()).isEqualTo(expected);
        for (int w = 0; w < WRITERS; w++) {
            for (String filter : FILTERS) {
                assertThat(tree.unsubscribe(writers.get(w), filter))
                        .as("writer%d %s", w, filter).isEqualTo(held.get(w).getOrDefault(filter, false));
            }
        }
        Matches left = tree.match("a/b/c", null);
        assertThat(left.size()).isEqualTo(3);
        tree.unsubscribeAll(steady, List.of("a/b/c"));
        tree.unsubscribeAll(wildcard, List.of("a/+/c"));
        tree.unsubscribeAll(worker1, List.of("$share/g/a/b/c"));
        tree.unsubscribeAll(worker2, List.of("$share/g/a/b/c"));
        assertThat(tree.subscriptionCount()).isZero();
        assertThat(tree.nodeCount()).isZero();
    }

    @Test
    void retainedMessagesSurviveConcurrentPruningOfTheirBranch() throws Exception {
        RetainedStore<String> store = new RetainedStore<>();
        store.put("a/steady", "steady");
        List<Map<String, String>> expected = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        CyclicBarrier start = new CyclicBarrier(WRITERS + READERS);
        List<Thread> threads = new ArrayList<>();

        for (int w = 0; w < WRITERS; w++) {
            // Each writer owns its topics, but they hang from shared branches that others create and prune.
            List<String> topics = List.of("a/b/" + w, "a/b/" + w + "/c", "a/b/c/" + w, "a/" + w, "x/" + w + "/y/z");
            Map<String, String> mine = new HashMap<>();
            expected.add(mine);
            long seed = w;
            threads.add(new Thread(() -> run(failures, start, () -> {
                SplittableRandom random = new SplittableRandom(seed);
                for (int i = 0; i < OPERATIONS; i++) {
                    String topic = topics.get(random.nextInt(topics.size()));
                    if (random.nextBoolean()) {
                        store.put(topic, topic + "#" + i);
                        mine.put(topic, topic + "#" + i);
                    } else {
                        assertThat(store.remove(topic)).isEqualTo(mine.remove(topic));
                    }
                }
            })));
        }
        for (int r = 0; r < READERS; r++) {
            threads.add(new Thread(() -> run(failures, start, () -> {
                while (writing.get()) {
                    Set<String> seen = new HashSet<>();
                    store.match("a/#", message -> assertThat(seen.add(message)).isTrue());
                    assertThat(seen).contains("steady");
                    assertThat(store.get("a/steady")).isEqualTo("steady");
                }
            })));
        }
        runAll(threads, WRITERS, writing);
        assertThat(failures).isEmpty();

        int total = 1;
        for (Map<String, String> mine : expected) {
            for (Map.Entry<String, String> entry : mine.entrySet()) {
                assertThat(store.get(entry.getKey())).isEqualTo(entry.getValue());
            }
            total += mine.size();
        }
        assertThat(store.size()).isEqualTo(total);
        Map<String, String> all = new HashMap<>();
        store.forEach(all::put);
        assertThat(all).hasSize(total);
        all.keySet().forEach(store::remove);
        assertThat(store.size()).isZero();
        assertThat(store.nodeCount()).isZero();
    }

    /** Starts the threads, waits for the writers (the first ones), then stops the readers and waits for them. */
    private static void runAll(List<Thread> threads, int writers, AtomicBoolean writing) throws InterruptedException {
        threads.forEach(Thread::start);
        for (Thread writer : threads.subList(0, writers)) {
            writer.join();
        }
        writing.set(false);
        for (Thread reader : threads.subList(writers, threads.size())) {
            reader.join();
        }
    }

    private static void run(ConcurrentLinkedQueue<Throwable> failures, CyclicBarrier start, Runnable body) {
        try {
            start.await();
            body.run();
        } catch (Throwable failure) {
            failures.add(failure);
        }
    }
}
