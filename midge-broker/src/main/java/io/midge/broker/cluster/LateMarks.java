package io.midge.broker.cluster;

import io.midge.broker.persistence.Persistence;
import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old owner's end of a move whose cut came before every node's mark ({@link HandoverGiving#SWITCH_MILLIS}): a
 * node that is slow to switch (a backlog in its queue to this node, a stalled process) still routes the session's
 * filters here only, and what it routes before its switch reached no copy once the session was cut: it was lost. So
 * the session is not cut for those nodes: it stays subscribed here, keeps only what they send (what the other nodes
 * send here reached the new node directly, and is dropped as it arrives), and when a late node's mark arrives, what
 * came from that node ahead of its mark goes to the new owner as a late tail, queued there last. Once no mark is due
 * (or after {@link #WAIT_MILLIS}, with what came sent all the same), the session goes.
 *
 * <p>A node that is down when the move begins (or has no link to this node) is absent: it holds in its forwarding
 * queue to this node what it routed here before it went, and sends it here when it is back. Its mark is due as a late
 * one's, but for up to {@link #ABSENT_WAIT_MILLIS}: it is asked to switch once its link is up again. Meanwhile the copy
 * here gives way to the client: should it come back to this node while nothing came from those nodes yet, the copy
 * goes ({@link #giveWay}), and what they send here later reaches the session where it then is, here.
 *
 * <p>Threads: the marks are seen as the session drains (on its loop), the rest runs on the handover's thread and the
 * session's loop, as the cut does.
 */
final class LateMarks {
    private static final Logger log = LoggerFactory.getLogger(LateMarks.class);
    /**
     * How long the old owner waits for late marks after the cut. A node that has not switched by then is down or cut
     * off (its link was up when it was asked, else it would not be waited for); what it routes here later is lost.
     */
    static final long WAIT_MILLIS = 60_000;
    /**
     * How long the old owner waits for a node that was down at the move to come back and mark: as long as a tail is
     * kept for a node that is down ({@link PendingTails#GIVE_UP_MILLIS}), longer than a supervisor's restart or a
     * reboot takes. What a node down longer queued here for the session is lost (a WARN names it).
     */
    static final long ABSENT_WAIT_MILLIS = PendingTails.GIVE_UP_MILLIS;

    /**
     * In a tail's {@code routedBefore}, for a node whose mark was still due at the cut: what that node routed to the
     * old owner before its switch follows in a late tail, and the new node keeps track of what it got from it
     * directly meanwhile ({@link LateTailCopies}). No forward identity is this low, so it drops nothing.
     */
    static final long MARK_DUE = -1;

    /**
     * The identity of the {@code n}th late tail of move {@code requestId}, in the place of the request's identity in
     * its frame: the new owner acknowledges and applies a tail once by that identity, and the
     * move's own tail holds the request's. Negative, where a request's is not (a node's clock in nanoseconds and up),
     * so that no request's tail is ever taken for it; distinct for up to 127 late nodes of one move (a move waits
     * for one mark per node).
     */
    static long lateTailId(long requestId, int n) {
        return -1 - ((requestId & 0x00FF_FFFF_FFFF_FFFFL) << 7 | Math.min(n, 127));
    }

    private final String self;
    private final SessionOwners owners;
    private final SessionRegistry sessions;
    private final HandoverLinks links;
    /** Where the late tails go: {@link PendingTails#hold}, which keeps each until the new owner stored it. */
    private final Tails tails;
    private final long waitMillis;
    private final long absentWaitMillis;
    /** Sessions cut before every mark came, by client identifier. */
    private final Map<String, Late> waiting = new ConcurrentHashMap<>();

    /**
     * A session waiting for the marks of {@code origins} (named as {@link MoveOrigins#origin} names them): those
     * whose mark has not been handled are {@code due}, those whose mark the session drained are {@code passed} (what
     * comes from them after it is dropped); the late tails wait for the cut's own tail ({@code cut}). Of the
     * origins, the {@code absent} were down at the move; {@code heard} have sent something since.
     */
    private record Late(HandoverGiving.Outgoing moving, Set<String> origins, Set<String> due, Set<String> passed,
                        CompletableFuture<Void> cut, AtomicInteger parts, Set<String> absent, Set<String> heard,
                        AtomicBoolean givingWay) {
    }

    /** Sends a tail to the session's owner and keeps it until that node stored it ({@link PendingTails#hold}). */
    interface Tails {
        void hold(SessionOwner to, String clientId, long tailId, byte[] tail);
    }

    LateMarks(String self, SessionOwners owners, SessionRegistry sessions, HandoverLinks links,
              Tails tails, long waitMillis, long absentWaitMillis) {
        this.self = self;
        this.tails = tails;
        this.waitMillis = waitMillis;
        this.absentWaitMillis = absentWaitMillis;
        this.owners = owners;
        this.sessions = sessions;
        this.links = links;
    }

    /** The moving session of a client waiting for late marks, or null. */
    HandoverGiving.Outgoing moving(String clientId) {
        Late late = waiting.get(clientId);
        return late == null ? null : late.moving();
    }

    /**
     * The session is being cut with the marks of {@code origins} still due (on the handover's thread, before the
     * move is settled, so that a mark arriving now finds it): from now on the session keeps only what those origins
     * send, up to their marks; the {@code absent} among them were down at the move. Call {@link #cut} once the cut's
     * tail has gone.
     */
    void hold(String clientId, HandoverGiving.Outgoing moving, Set<String> origins, Set<String> absent) {
        Late late = new Late(moving, Set.copyOf(origins), ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet(),
                new CompletableFuture<>(), new AtomicInteger(), Set.copyOf(absent), ConcurrentHashMap.newKeySet(),
                new AtomicBoolean());
        late.due().addAll(origins);
        waiting.put(clientId, late);
        Session s = moving.session();
        s.execute(() -> {
            // What arrived so far is drained as it was: ahead of the marks it came before, for the cut to read.
            s.transfer().takeQueuedIf(d -> false);
            for (Delivery d : SessionSnapshot.deliveries(s)) {
                if (MoveOrigins.isMark(d)) {
                    markSeen(clientId, late, MoveOrigins.origin(d));
                }
            }
            s.transfer().dropArriving(d -> dropped(clientId, late, d),
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis + Math.max(waitMillis,
                            late.absent().isEmpty() ? 0 : absentWaitMillis)));
        });
        links.later(() -> giveUp(clientId, late, false), waitMillis);
        if (!late.absent().isEmpty()) {
            links.later(() -> giveUp(clientId, late, true), absentWaitMillis);
        }
    }

    /**
     * The client wants its session on this node (on a loop): if its copy here waits only for nodes that were down
     * at the move, are still, and sent nothing yet, the copy goes, so that the session can come back here; what those
     * nodes send later reaches it then. The copy is unsubscribed first, and once every loop and the store passed,
     * what came from them meanwhile (a node just back) goes after the session as a late tail. Until the copy has gone
     * the client is refused as moving.
     */
    void giveWay(String clientId) {
        links.onThread(() -> {
            Late late = waiting.get(clientId);
            if (late == null || !late.absent().containsAll(late.due()) || late.heard().stream().anyMatch(
                    late.due()::contains) || links.nodes().stream().anyMatch(n -> late.due().contains(
                    NodeLink.LINK_PREFIX + n)) || !late.givingWay().compareAndSet(false, true)) {
                return;
            }
            log.info("Session of '{}' is wanted on this node again: its copy held here for what nodes {} queued for "
                    + "it before they went down goes", clientId, late.due().stream().map(this::nodeOf).toList());
            Session s = late.moving().session();
            s.execute(() -> {
                for (String filter : List.copyOf(s.subscriptions().keySet())) {
                    s.unsubscribe(filter);
                }
                links.passes(sessions.store().persistence()).whenComplete((v, e) -> s.execute(() -> {
                    for (String origin : List.copyOf(late.due())) {
                        send(clientId, late, origin, false);
                    }
                }));
            });
        });
    }

    /**
     * Whether an arrival of the waiting session goes (on the session's loop, in the order of arrival): what came from
     * an origin whose mark is not due, or from a due one after its mark; its mark is kept, and starts its late tail.
     */
    private boolean dropped(String clientId, Late late, Delivery d) {
        String origin = MoveOrigins.origin(d);
        if (!late.origins().contains(origin) || late.passed().contains(origin)) {
            return true;
        }
        late.heard().add(origin);
        if (MoveOrigins.isMark(d)) {
            markSeen(clientId, late, origin);
        }
        return false;
    }

    /** A due origin's mark is in the session's queue: its late tail goes once the cut's has. */
    private void markSeen(String clientId, Late late, String origin) {
        if (late.origins().contains(origin) && late.passed().add(origin)) {
            late.cut().thenRun(() -> links.onThread(() -> lateTail(clientId, late, origin)));
        }
    }

    /**
     * The cut's own tail has gone, and what the session held then ({@code read}) with it (on the session's loop, in
     * the task that read it): the session holds from now on only what the due origins sent after that.
     */
    void cut(String clientId, List<Delivery> read) {
        Late late = waiting.get(clientId);
        if (late == null) {
            return;
        }
        Set<Delivery> gone = Collections.newSetFromMap(new IdentityHashMap<>());
        gone.addAll(read);
        takeOut(late.moving().session(), gone::contains).forEach(Delivery::release);
        List<String> down = late.due().stream().filter(late.absent()::contains).map(this::nodeOf).toList();
        List<String> slow = late.due().stream().filter(o -> !late.absent().contains(o)).map(this::nodeOf).toList();
        if (!slow.isEmpty()) {
            log.warn("Session of '{}' handed over before nodes {} switched their routes: what they route here first "
                    + "goes after it", clientId, slow);
        }
        if (!down.isEmpty()) {
            log.info("Session of '{}' handed over while nodes {} are down: what they queued for it here goes after it "
                    + "once they are back", clientId, down);
        }
        late.cut().complete(null);
    }

    /** An origin's mark was drained: what it sent ahead of it goes to the new owner (on the handover's thread). */
    private void lateTail(String clientId, Late late, String origin) {
        if (waiting.get(clientId) != late || !late.due().contains(origin)) {
            return;
        }
        links.passes(sessions.store().persistence())
                .whenComplete((v, e) -> late.moving().session().execute(() -> send(clientId, late, origin, true)));
    }

    /**
     * After {@code waitMillis} ({@link #WAIT_MILLIS}) for the nodes that were up at the move, after {@code
     * absentWaitMillis} for those that were not ({@code absentToo}): what they sent goes all the same, and once no
     * mark is due the session goes.
     */
    private void giveUp(String clientId, Late late, boolean absentToo) {
        List<String> over = late.due().stream().filter(o -> absentToo || !late.absent().contains(o)).toList();
        if (waiting.get(clientId) != late || late.givingWay().get() || over.isEmpty()) {
            return;
        }
        log.warn("Session of '{}': nodes {} did not {} within {} s of its move; what they route to this node for it "
                + "from now on is lost", clientId, over.stream().map(this::nodeOf).toList(),
                absentToo ? "come back and switch their routes" : "switch their routes",
                (absentToo ? absentWaitMillis : waitMillis) / 1000);
        late.moving().session().execute(() -> {
            for (String origin : over) {
                send(clientId, late, origin, false);
            }
        });
    }

    /**
     * Sends what {@code origin} sent the session ahead of its mark ({@code marked}; else all of it), with that node's
     * last forward identity before its switch, to the session's owner; once no origin is due, the session goes.
     */
    private void send(String clientId, Late late, String origin, boolean marked) {
        if (!late.due().remove(origin)) {
            return;
        }
        Session s = late.moving().session();
        List<Delivery> taken = takeOut(s, d -> MoveOrigins.origin(d).equals(origin));
        List<StoredDelivery> tail = new ArrayList<>();
        List<String> identities = new ArrayList<>();
        for (Delivery d : taken) {
            if (!MoveOrigins.isMark(d)) {
                tail.add(StoredMessages.toStored(d, StoredMessages.toStored(d.message())));
                identities.add(MoveOrigins.identity(d, self));
            }
        }
        taken.forEach(Delivery::release);
        String node = MoveOrigins.node(origin, self);
        Long last = late.moving().routedBefore().get(node);
        Map<String, Long> routedBefore = marked && last != null ? Map.of(node, last) : Map.of();
        // Its own identity, as the new owner acknowledges and applies each tail once (see #lateTailId).
        long tailId = lateTailId(late.moving().requestId(), late.parts().incrementAndGet());
        byte[] frame = HandoverCodec.tail(tailId, clientId, tail, identities, routedBefore);
        boolean done = late.due().isEmpty();
        if (done) {
            waiting.remove(clientId, late);
        }
        if (!tail.isEmpty() || !routedBefore.isEmpty()) { // else it would tell the new owner nothing
            hand(clientId, tailId, frame, tail.size(), nodeOf(origin));
        }
        if (done) {
            for (String filter : List.copyOf(s.subscriptions().keySet())) {
                s.unsubscribe(filter);
            }
            sessions.discard(s);
        }
    }

    /** Hands a late tail to the session's owner now: it may have moved on since its cut (on the handover's thread). */
    private void hand(String clientId, long tailId, byte[] frame, int messages, String from) {
        links.whenDone(owners.getAsync(clientId), (owner, error) -> {
            if (error != null) {
                log.warn("Session of '{}': the registry did not say who owns it ({}); asking again", clientId,
                        error.toString());
                links.later(() -> hand(clientId, tailId, frame, messages, from), 1_000);
            } else if (owner == null || owner.node().equals(self)) {
                log.warn("Session of '{}' ended or came back here before {} messages that node '{}' routed to this "
                        + "node before its late switch could follow it", clientId, messages, from);
            } else {
                tails.hold(owner, clientId, tailId, frame);
                log.info("Session of '{}': {} messages that node '{}' routed to this node before its late switch sent "
                        + "to node '{}'", clientId, messages, from, owner.node());
            }
        });
    }

    /** The node an origin names. */
    private String nodeOf(String origin) {
        return origin.isEmpty() ? self : origin.substring(NodeLink.LINK_PREFIX.length());
    }

    /** Takes the deliveries {@code pick} picks out of the session's queue and its store (on the session's loop). */
    private List<Delivery> takeOut(Session s, Predicate<Delivery> pick) {
        List<Delivery> taken = s.transfer().takeQueuedIf(pick);
        Persistence store = sessions.store().persistence();
        if (store.isDurable() && s.isStored()) {
            StoreBatch batch = store.batch(s.clientId());
            boolean any = false;
            for (Delivery d : taken) {
                if (d.isStored() && !d.cancelPut()) {
                    batch.removeQueued(s.clientId(), d.sequence());
                    any = true;
                }
            }
            if (any) {
                store.write(batch, s.executor());
            }
        }
        return taken;
    }
}
