package io.midge.broker.http;

import io.midge.broker.session.Session;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Reads what only a session's own loop may touch (its subscriptions, its queue) by a short task on that loop: one
 * task per loop for a batch of sessions, never a lock, never a loop waiting for another. A session that moved to
 * another loop meanwhile is followed there.
 */
final class OnLoops {
    /** A loop that does not run the reading within this long is reported busy (503), not waited for. */
    static final long TIMEOUT_SECONDS = 5;

    private OnLoops() {
    }

    /** Reads one session on its loop. */
    static <T> CompletableFuture<T> read(Session session, Function<Session, T> reading) {
        return readAll(List.of(session), reading).thenApply(list -> list.get(0));
    }

    /** Reads each session on its loop; the results come in the order of {@code sessions}. */
    static <T> CompletableFuture<List<T>> readAll(List<Session> sessions, Function<Session, T> reading) {
        CompletableFuture<List<T>> done = new CompletableFuture<>();
        if (sessions.isEmpty()) {
            done.complete(List.of());
            return done;
        }
        Object[] results = new Object[sessions.size()];
        AtomicInteger left = new AtomicInteger(sessions.size());
        Map<EventLoop, List<Integer>> byLoop = new IdentityHashMap<>();
        for (int i = 0; i < sessions.size(); i++) {
            byLoop.computeIfAbsent(sessions.get(i).executor(), loop -> new ArrayList<>()).add(i);
        }
        byLoop.forEach((loop, indexes) -> {
            try {
                loop.execute(() -> {
                    for (int i : indexes) {
                        Session s = sessions.get(i);
                        Runnable task = () -> {
                            try {
                                results[i] = reading.apply(s);
                            } catch (RuntimeException e) {
                                done.completeExceptionally(e);
                            }
                            if (left.decrementAndGet() == 0) {
                                @SuppressWarnings("unchecked") List<T> list = (List<T>) Arrays.asList(results);
                                done.complete(list);
                            }
                        };
                        s.execute(task); // here at once, or on the loop it moved to since
                    }
                });
            } catch (RejectedExecutionException e) {
                done.completeExceptionally(ApiError.unavailable("the broker is closing"));
            }
        });
        return done.orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
