package io.midge.broker.protocol;

import io.midge.broker.session.SessionGate;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cluster's session gate as a test drives it: lets every session open at once, except those of the clients whose
 * answer it was told to hold (the test completes it, or never does), and notes the sessions that ended.
 */
final class HeldGate implements SessionGate {
    /** The registry epoch every session is let open under. */
    static final long EPOCH = 7;

    private final Map<String, CompletableFuture<Refusal>> held = new ConcurrentHashMap<>();
    final List<String> ended = new CopyOnWriteArrayList<>();
    /** How long a CONNECT waits for this gate: the real bound, or a short one for tests on a real clock. */
    private final long answerWithinMillis;

    HeldGate() {
        this(ANSWER_WITHIN_MILLIS);
    }

    HeldGate(long answerWithinMillis) {
        this.answerWithinMillis = answerWithinMillis;
    }

    /** The answer to the next CONNECT of {@code clientId}, for the test to give (or not). */
    CompletableFuture<Refusal> hold(String clientId) {
        CompletableFuture<Refusal> answer = new CompletableFuture<>();
        held.put(clientId, answer);
        return answer;
    }

    @Override
    public CompletableFuture<Refusal> beforeOpen(String clientId, boolean cleanStart, boolean persistent,
                                                 EventLoop loop) {
        CompletableFuture<Refusal> answer = held.remove(clientId);
        return answer != null ? answer : CompletableFuture.completedFuture(null);
    }

    @Override
    public long answerWithinMillis() {
        return answerWithinMillis;
    }

    @Override
    public long epoch(String clientId) {
        return EPOCH;
    }

    @Override
    public void ended(String clientId) {
        ended.add(clientId);
    }
}
