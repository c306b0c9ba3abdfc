package io.midge.broker.cluster;

import io.midge.broker.persistence.RecoveredSession;
import io.midge.broker.persistence.StoredDelivery;
import io.midge.broker.persistence.StoredSubscription;
import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.StoredMessages;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.session.Session;
import io.midge.broker.session.SessionRegistry;
import io.midge.broker.session.SessionSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old owner's side of a session handover ({@link SessionHandover}): another node asks for a session of this
 * node. This node closes the old connection (5.0: DISCONNECT 0x8E), cuts the session out of its topic tree, waits
 * until every loop has passed the cut, and sends the whole session. Once the new node says it has it (or says
 * nothing in time), the registry decides: its entry still this node's, the session is put back as it was; otherwise
 * this node's copy goes, after the messages that reached it since the cut went on to the new owner.
 */
final class HandoverGiving {
    private static final Logger log = LoggerFactory.getLogger(HandoverGiving.class);

    private final String self;
    private final SessionOwners owners;
    private final SessionRegistry sessions;
    private final HandoverLinks links;
    /** Sessions this node is opening (the asking side's): not given away meanwhile. */
    private final Set<String> opening;
    /** Sessions this node cut loose for another node, until that node says it has them (or the time is up). */
    private final Map<String, Outgoing> outgoing = new ConcurrentHashMap<>();

    /** A session handed to {@code to}: its subscriptions (to put back if the move fails) and what it sent. */
    private record Outgoing(Session session, String to, long requestId, Map<String, SubscriptionOptions> subscriptions,
                            Set<Delivery> sent) {
    }

    HandoverGiving(String self, SessionOwners owners, SessionRegistry sessions, HandoverLinks links,
                   Set<String> opening) {
        this.self = self;
        this.owners = owners;
        this.sessions = sessions;
        this.links = links;
        this.opening = opening;
    }

    /** Whether this node is handing the client's session to another node now. */
    boolean isMoving(String clientId) {
        return outgoing.containsKey(clientId);
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
        if (outgoing.containsKey(clientId) || opening.contains(clientId)) {
            links.send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.REFUSED,
                    "the session of '" + clientId + "' is moving between nodes; connect again in a moment", null),
                    deadline);
            return;
        }
        Outgoing moving = new Outgoing(s, from, request.requestId(), new LinkedHashMap<>(),
                Collections.newSetFromMap(new IdentityHashMap<>()));
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
            moving.subscriptions().putAll(s.subscriptions());
            for (String filter : moving.subscriptions().keySet()) {
                s.unsubscribe(filter);
            }
            // Every loop passes the cut before the session is read: a publish that matched it before is in it.
            links.everyLoop().whenComplete((v, e) -> s.execute(() -> {
                RecoveredSession snapshot = SessionSnapshot.of(s);
                Map<String, StoredSubscription> subs = new LinkedHashMap<>();
                moving.subscriptions().forEach((f, o) -> subs.put(f, o.toStored()));
                snapshot = new RecoveredSession(snapshot.session(), snapshot.expiresAtMillis(), subs,
                        snapshot.queued(), snapshot.inflight(), snapshot.inboundQos2(), snapshot.nextSequence());
                SessionSnapshot.deliveries(s).forEach(moving.sent()::add);
                links.send(from, HandoverCodec.answer(request.requestId(), clientId, HandoverCodec.SESSION, null,
                        snapshot), deadline);
                links.later(() -> settle(clientId, moving, false), 3 * SessionHandover.TIMEOUT_MILLIS);
            }));
        });
    }

    /**
     * The new node said whether it has the session, or it said nothing in time: the registry decides. Its entry
     * still this node's, the session is put back as it was; otherwise this node's copy goes, after the messages
     * that reached it since the cut went to the new owner.
     */
    private void settle(String clientId, Outgoing moving, boolean installed) {
        if (!outgoing.remove(clientId, moving)) {
            return;
        }
        SessionOwner owner = owners.get(clientId);
        Session s = moving.session();
        if (owner != null && owner.node().equals(self)) {
            log.warn("Session of '{}' did not move to node '{}'{}: it stays here", clientId, moving.to(),
                    installed ? "" : " (no word from it in time)");
            s.execute(() -> {
                if (!s.isEnded()) {
                    moving.subscriptions().forEach(s::subscribe);
                }
            });
            return;
        }
        s.execute(() -> {
            List<StoredDelivery> tail = new ArrayList<>();
            for (Delivery d : SessionSnapshot.deliveries(s)) {
                if (!moving.sent().contains(d)) {
                    tail.add(StoredMessages.toStored(d, StoredMessages.toStored(d.message())));
                }
            }
            if (!tail.isEmpty() && owner != null) {
                links.send(owner.node(), HandoverCodec.tail(clientId, tail),
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SessionHandover.TIMEOUT_MILLIS));
            }
            sessions.discard(s);
            log.info("Session of '{}' handed over to node '{}'", clientId, owner == null ? moving.to()
                    : owner.node());
        });
    }

    /** The node the session went to says whether it has it (on the session thread). */
    void onDone(HandoverCodec.Frame done) {
        Outgoing moving = outgoing.get(done.clientId());
        if (moving != null && moving.requestId() == done.requestId()) {
            settle(done.clientId(), moving, done.flag());
        }
    }
}
