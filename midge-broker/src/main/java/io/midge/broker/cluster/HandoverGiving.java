package io.midge.broker.cluster;

import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old owner's side of a session handover ({@link SessionHandover}): another node asks for a session of this
 * node. This node closes the old connection (5.0: DISCONNECT 0x8E) and sends the whole session, which stays in its
 * topic tree meanwhile. Once the new node says it has it, no message may fall between the two copies while the
 * other nodes' routes change: this node asks every node it has a link to to route the session's filters to the new
 * node now ({@link RouteSwitch#onRoute}), and each says so with a mark sent through its forwarding queue to this node, behind
 * everything it routed here before. With every mark in (or after {@link #SWITCH_MILLIS}), this node cuts the session
 * out of its topic tree, lets every loop and the store pass, sends the new node what reached the session since the
 * snapshot (the tail, which the new node puts ahead of what reached it directly), and drops its copy. Should the new
 * node not have it, the registry decides: its entry still this node's, the session stays here.
 */
final class HandoverGiving {
    private static final Logger log = LoggerFactory.getLogger(HandoverGiving.class);
    /** How long the old owner waits for the other nodes' marks before it cuts the session anyway. */
    static final long SWITCH_MILLIS = 5_000;
    /** How soon a session is settled again when the registry did not answer who owns it. */
    private static final long SETTLE_RETRY_MILLIS = 1_000;

    private final String self;
    private final SessionOwners owners;
    private final SessionRegistry sessions;
    private final HandoverLinks links;
    /** The last forward identity this node's router gave ({@code Router#lastForwardId}). */
    private final LongSupplier forwardIds;
    /** Sessions this node is opening (the asking side's): not given away meanwhile. */
    private final Set<String> opening;
    /** Sessions this node is handing to another node, until that node has them (or the time is up). */
    private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();
    /** Where a settled session's tail goes: kept there until the new owner stored it. */
    private final PendingTails tails;
    /** Sessions cut here before every node's mark came. */
    private final LateMarks lateMarks;
    /** This node's switch of a moving session's routes, for its own moves and other nodes'. */
    private final RouteSwitch routes;

    /**
     * A session handed to {@code to}: the deliveries its snapshot held, its filters that other nodes route, the nodes
     * whose marks are due once it switches routes ({@code marked} completes when none is), and per node that marked
     * (its link's client identifier) the last forward identity it gave before its switch.
     */
    record Outgoing(Session session, String to, long requestId, Set<Delivery> sent, List<String> filters,
                    Set<String> marksDue, CompletableFuture<Void> marked, Map<String, Long> routedBefore,
                    CompletableFuture<Void> markedHere, Set<String> absent) {
        /**
         * A node's mark came (its link's client identifier, its last forward identity before its switch). The first
         * of a node's marks counts, should it send two (asked twice): the tail is cut at the first one in the
         * session's queue, and a later mark's cut-off would have the new node drop, as routed before the move, the
         * copies of messages that came between the two marks here and so were left out of the tail: lost.
         */
        void noteMark(String origin, long lastForwardId) {
            routedBefore.putIfAbsent(origin, lastForwardId);
        }
    }

    HandoverGiving(String self, SessionOwners owners, SessionRegistry sessions, HandoverLinks links, RouteSwitch routes,
                   LongSupplier forwardIds, Set<String> opening, PendingTails tails) {
        this.forwardIds = forwardIds;
        this.tails = tails;
        this.self = self;
        this.owners = owners;
        this.sessions = sessions;
        this.links = links;
        this.opening = opening;
        this.routes = routes;
        this.lateMarks = new LateMarks(self, owners, sessions, links, tails::hold, LateMarks.WAIT_MILLIS,
                LateMarks.ABSENT_WAIT_MILLIS);
    }

    /**
     * The client wants its session on this node while this node still holds its old copy for nodes that were down
     * at the move and are still: the copy gives way ({@link LateMarks#giveWay}), and the client, refused this once,
     * gets its session here on its next try.
     */
    void wantedHere(String clientId) {
        lateMarks.giveWay(clientId);
    }

    /** Whether this node is handing the client's session to another node now. */
    boolean isMoving(String clientId) {
        return outgoing.containsKey(clientId) || lateMarks.moving(clientId) != null;
    }

    /** Another node asks for a session of this node (on the session thread). */
    void onRequest(String from, HandoverCodec.Frame request) {
        String clientId = request.clientId();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SessionHandover.TIMEOUT_MILLIS);
        Session s = sessions.get(clientId);
        if (s == null || s.isEnded()) {
            links.send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.NO_SESSION, null, null),
                    deadline);
            return;
        }
        if (isMoving(clientId) || opening.contains(clientId)) {
            links.send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.REFUSED,
                    "the session of '" + clientId + "' is moving between nodes; connect again in a moment", null),
                    deadline);
            return;
        }
        Outgoing moving = new Outgoing(s, from, request.requestId(), Collections.newSetFromMap(new IdentityHashMap<>()),
                new CopyOnWriteArrayList<>(), ConcurrentHashMap.newKeySet(), new CompletableFuture<>(),
                new ConcurrentHashMap<>(), new CompletableFuture<>(), ConcurrentHashMap.newKeySet());
        outgoing.put(clientId, moving);
        s.execute(() -> {
            if (s.isEnded() || request.flag() || s.expiryIntervalSeconds() == 0) {
                // A clean start elsewhere (or a session that ends with its connection): this one just ends.
                s.kickConnection();
                sessions.discard(s).whenComplete((v, e) -> {
                    outgoing.remove(clientId, moving);
                    links.send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.NO_SESSION, null,
                            null), deadline);
                });
                return;
            }
            s.kickConnection(); // DISCONNECT 0x8E Session taken over (MQTT 5.0 3.1.4); 3.1.1: closed
            Message will = s.takePendingWill();
            if (will != null) {
                will.payload().release(); // the client is back (elsewhere): a delayed will is void
            }
            // The session stays subscribed: what reaches it from now on goes to the new node as the tail.
            for (String filter : s.subscriptions().keySet()) {
                if (RouteTable.routed(filter) != null) {
                    moving.filters().add(filter);
                }
            }
            // Told apart by identity at the cut (what the snapshot read is not sent again): no copies meanwhile.
            s.transfer().handingOver(true);
            List<Delivery> read = new ArrayList<>();
            RecoveredSession snapshot = SessionSnapshot.of(s, read);
            moving.sent().addAll(read);
            links.send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.SESSION, null,
                    snapshot), deadline);
            links.later(() -> settle(clientId, moving, false), 3 * SessionHandover.TIMEOUT_MILLIS);
        });
    }

    /**
     * The new node said whether it has the session (on the session thread). It has: the other nodes switch their
     * routes to it first, then the session is settled; it has not: settled at once.
     */
    void onDone(HandoverCodec.Frame done) {
        Outgoing moving = outgoing.get(done.clientId());
        if (moving == null || moving.requestId() != done.requestId()) {
            return;
        }
        links.whenDone(owners.getAsync(done.clientId()), (owner, error) -> {
            if (outgoing.get(done.clientId()) != moving) {
                return; // settled meanwhile
            }
            if (error != null || !done.flag() || owner == null || owner.node().equals(self)) {
                settle(done.clientId(), moving, done.flag());
                return;
            }
            switchRoutes(done.clientId(), moving, owner.node());
        });
    }

    /** Asks every node this one has a link to to route the session's filters to {@code to}; settles once all did. */
    private void switchRoutes(String clientId, Outgoing moving, String to) {
        List<String> filters = List.copyOf(moving.filters());
        Set<String> asked = new HashSet<>(links.nodes());
        asked.remove(self);
        Set<String> due = moving.marksDue();
        due.addAll(asked);
        // A link that drops meanwhile is waited for as long as a late mark is (LateMarks): what that node routed here
        // before waits in its queue to this node, and comes once the link is back, ahead of its mark.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SWITCH_MILLIS + LateMarks.WAIT_MILLIS);
        byte[] route = HandoverCodec.route(moving.requestId(), clientId, to, filters);
        for (String node : asked) {
            links.send(node, route, deadline).whenComplete((v, e) -> {
                if (e != null) {
                    marked(moving, node); // no link to it all this time: the wait for it is over
                }
            });
        }
        marked(moving, null);
        // The nodes that are down (or have no link to this one) are asked once they are back, and the move does not
        // wait for them: what they queued for this node before they went follows the session then (LateMarks).
        // Told apart from the nodes asked above, not from those still due: a node whose mark came back meanwhile is
        // no longer due, and taken for absent it was asked again, switched again and sent a second mark with a later
        // cut-off (three acknowledged QoS 1 messages lost in a hunt of the move window case; see #onMark).
        Set<String> absent = moving.absent();
        absent.addAll(links.announced());
        absent.removeAll(asked);
        absent.remove(self);
        long back = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LateMarks.ABSENT_WAIT_MILLIS);
        for (String node : absent) {
            links.send(node, route, back);
        }
        long started = System.nanoTime();
        // This node's own publishers too: its queue to the new node takes the filters before the cut.
        // Read before the switch (see RouteSwitch#onRoute).
        moving.routedBefore().put(NodeLink.LINK_PREFIX + self, forwardIds.getAsLong());
        CompletableFuture<Void> here = routes.routeTo(to, filters).thenRun(() -> {
            MoveOrigins.mark(moving.session(), null);
            moving.markedHere().complete(null);
        });
        links.whenDone(CompletableFuture.allOf(here, moving.marked()).orTimeout(SWITCH_MILLIS, TimeUnit.MILLISECONDS),
                (v, e) -> {
                    if (e != null) {
                        log.warn("Session of '{}': nodes {} did not say in time that they route its filters to node "
                                + "'{}'; the session is cut here anyway", clientId, moving.marksDue(), to);
                    } else {
                        log.debug("Session of '{}': every node routes its filters to node '{}' after {} ms", clientId,
                                to, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    }
                    settle(clientId, moving, true);
                });
    }

    /**
     * A node routes a moving session's filters to the new node now (on the link's loop). Its last forward identity
     * before the switch goes into the tail: a node that routed the session's filters to the new node before the
     * switch (the session lived there a moment ago, and that node's route, or a move's route to it, has not gone yet)
     * sent its messages to both nodes; their copies on the new node came to no session, and the new node drops them,
     * however late they come. The copy here is the one that counts, delivered already, in the snapshot or in the
     * tail. Delivered from both, QoS 2 arrived twice (the move test's message 605, again after 622: the snapshot's
     * last, its stale copy behind the tail).
     */
    void onMark(String from, HandoverCodec.Frame mark) {
        Outgoing moving = outgoing.get(mark.clientId());
        if (moving == null) {
            moving = lateMarks.moving(mark.clientId()); // a late mark: see LateMarks
        }
        if (moving != null && moving.requestId() == mark.requestId()) {
            // Behind every message of that node that reached the session here (this loop offered them, in order).
            moving.noteMark(NodeLink.LINK_PREFIX + from, mark.lastForwardId());
            MoveOrigins.mark(moving.session(), NodeLink.LINK_PREFIX + from);
            marked(moving, from);
        }
    }

    private static void marked(Outgoing moving, String node) {
        if (node != null) {
            moving.marksDue().remove(node);
        }
        if (moving.marksDue().isEmpty()) {
            moving.marked().complete(null);
        }
    }

    /** Another node moves a session and asks this one to route its filters to the new node (session thread). */
    void onRoute(String from, HandoverCodec.Frame route) {
        routes.onRoute(from, route);
    }

    /**
     * The session moved (or did not): the registry decides. Its entry still this node's, the session stays here as
     * it was; otherwise it is cut out of the topic tree, and once every loop and the store passed the cut, what
     * reached it since the snapshot goes to the new owner (an empty tail too: the new owner waits for it), and this
     * node's copy goes.
     */
    private void settle(String clientId, Outgoing moving, boolean installed) {
        if (outgoing.get(clientId) != moving) {
            return;
        }
        links.whenDone(owners.getAsync(clientId), (owner, error) -> {
            if (error != null) {
                log.warn("Session of '{}': the registry did not say who owns it ({}); asking again", clientId,
                        error.toString());
                links.later(() -> settle(clientId, moving, installed), SETTLE_RETRY_MILLIS);
            } else if (outgoing.get(clientId) == moving) {
                // Held for the nodes whose marks are due before it leaves outgoing, so that no mark misses it.
                Set<String> due = owner == null || owner.node().equals(self) ? Set.of() : marksDue(moving);
                if (!due.isEmpty()) {
                    lateMarks.hold(clientId, moving, due, absentOrigins(moving));
                }
                outgoing.remove(clientId, moving);
                settled(clientId, moving, installed, owner, due);
            }
        });
    }

    /**
     * The origins ({@link MoveOrigins#origin}) whose marks are still due: the nodes that did not answer, those that
     * were down and are still, and this node's own publishers while their switch has not passed (once the switch
     * began: {@code routedBefore} has this node).
     */
    private Set<String> marksDue(Outgoing moving) {
        Set<String> due = new HashSet<>();
        for (String node : moving.marksDue()) {
            due.add(NodeLink.LINK_PREFIX + node);
        }
        due.addAll(absentOrigins(moving));
        if (moving.routedBefore().containsKey(NodeLink.LINK_PREFIX + self) && !moving.markedHere().isDone()) {
            due.add(MoveOrigins.HERE);
        }
        return due;
    }

    /** The origins of the nodes that were down when the switch began and have not marked since. */
    private static Set<String> absentOrigins(Outgoing moving) {
        Set<String> absent = new HashSet<>();
        for (String node : moving.absent()) {
            if (!moving.routedBefore().containsKey(NodeLink.LINK_PREFIX + node)) {
                absent.add(NodeLink.LINK_PREFIX + node);
            }
        }
        return absent;
    }

    /**
     * {@link #settle}, once the registry said who owns the session; with marks still due (of {@code lateOrigins}) the
     * session stays subscribed for what their nodes route here first ({@link LateMarks}), and the tail tells the new
     * owner that a late tail of theirs follows ({@link LateMarks#MARK_DUE}).
     */
    private void settled(String clientId, Outgoing moving, boolean installed, SessionOwner owner,
                         Set<String> lateOrigins) {
        boolean late = !lateOrigins.isEmpty();
        Session s = moving.session();
        if (owner != null && owner.node().equals(self)) {
            log.warn("Session of '{}' did not move to node '{}'{}: it stays here", clientId, moving.to(),
                    installed ? "" : " (no word from it in time)");
            s.execute(() -> s.transfer().handingOver(false));
            return;
        }
        s.execute(() -> {
            if (!late) {
                for (String filter : List.copyOf(s.subscriptions().keySet())) {
                    s.unsubscribe(filter);
                }
            }
            links.passes(sessions.store().persistence()).whenComplete((v, e) -> s.execute(() -> {
                        List<StoredDelivery> tail = new ArrayList<>();
                        List<String> identities = new ArrayList<>();
                        Set<String> marked = new HashSet<>();
                        List<Delivery> read = SessionSnapshot.deliveries(s);
                        for (Delivery d : read) {
                            if (MoveOrigins.isMark(d)) {
                                String origin = d.message().publisherId();
                                marked.add(origin == null ? MoveOrigins.HERE : origin);
                            } else if (MoveOrigins.inTail(d, moving.sent().contains(d), marked)) {
                                tail.add(StoredMessages.toStored(d, StoredMessages.toStored(d.message())));
                                identities.add(MoveOrigins.identity(d, self));
                            }
                        }
                        if (owner != null) {
                            Map<String, Long> routedBefore = new HashMap<>(moving.routedBefore());
                            for (String origin : lateOrigins) {
                                routedBefore.putIfAbsent(MoveOrigins.node(origin, self), LateMarks.MARK_DUE);
                            }
                            tails.hold(owner, clientId, moving.requestId(), HandoverCodec.tail(moving.requestId(),
                                    clientId, tail, identities, routedBefore));
                        }
                        if (late) {
                            lateMarks.cut(clientId, read);
                        } else {
                            sessions.discard(s);
                        }
                        log.info("Session of '{}' handed over to node '{}' ({} messages of the move after it)",
                                clientId, owner == null ? moving.to() : owner.node(), tail.size());
                    }));
        });
    }
}
