package io.midge.broker.session;

import io.midge.broker.persistence.StoreBatch;
import io.midge.broker.routing.Delivery;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an {@link OutboundWindow} sends only in step with the store: a stored QoS 2 PUBLISH once its in-flight record
 * is written, and every send behind it meanwhile, to keep the order; a PUBREL once the receipt (PUBREC) is written.
 * Kept apart from the window, which decides what goes out; this holds what waits for the store and lets it go.
 *
 * <p>Threads: the session's loop only; the store's writes complete there too.
 */
final class StoreOrderedSends {
    // The window's logger, as these lines always were: a log configuration may name it.
    private static final Logger log = LoggerFactory.getLogger(OutboundWindow.class);

    private final Session session;
    private final OutboundWindow window;
    private final DeliveryRecords records;
    /** Deliveries of this pump that wait for their in-flight records (one batch for all of them); null if none. */
    private StoreBatch storing;
    /** Made at the first stored QoS 2 send. */
    private List<InflightSend> deferred;

    StoreOrderedSends(Session session, OutboundWindow window, DeliveryRecords records) {
        this.session = session;
        this.window = window;
        this.records = records;
    }

    /** Whether sends wait for their in-flight records now: what comes after them waits too. */
    boolean waiting() {
        return storing != null;
    }

    /** Holds a send back until its in-flight record (gathered with the others of this pump) is written. */
    void defer(InflightSend entry) {
        if (storing == null) {
            storing = records.batch();
        }
        entry.storing = true;
        if (entry.sequence != Delivery.NOT_STORED) {
            records.sending(storing, entry.packetId, entry.sequence, entry.delivery.qos());
        }
        if (deferred == null) {
            deferred = new ArrayList<>();
        }
        deferred.add(entry);
    }

    /** Writes the records of the sends held back in this pump; once written they go out, in order. */
    void writeDeferred() {
        List<InflightSend> sends = List.copyOf(deferred);
        deferred.clear();
        StoreBatch batch = storing;
        records.write(batch, session::execute).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Storing in-flight messages of '{}' failed: {}", session.clientId(), e.toString());
            }
            storing = null;
            SessionConnection connection = session.connection();
            boolean wrote = false;
            for (InflightSend entry : sends) {
                if (!window.holds(entry) || !entry.storing) {
                    continue; // dropped, or the session ended meanwhile
                }
                entry.storing = false;
                // Offline by now: the next connection re-sends it with the others in flight.
                if (connection != null && !entry.heldBack) {
                    window.sendNew(connection, entry);
                    wrote = true;
                }
            }
            if (wrote) {
                connection.flush();
            }
            window.pump();
        });
    }

    /**
     * PUBREL only once the store knows the message was received: at PUBREL the client forgets the identifier, and a
     * broker restarted without that knowledge would send the message again, which the client would then take for a
     * new one.
     */
    void releaseOnceStored(InflightSend entry, int packetId) {
        entry.storing = true;
        records.write(records.received(records.batch(), packetId, entry.sequence), session::execute)
                .whenComplete((v, e) -> {
                    if (e != null) {
                        log.warn("Storing the receipt of a QoS 2 message by '{}' failed: {}", session.clientId(),
                                e.toString());
                    }
                    entry.storing = false;
                    SessionConnection now = session.connection();
                    if (window.holds(entry) && now != null) {
                        now.sendPubRel(packetId);
                        now.flush();
                    } // else: gone, or re-sent when the client reconnects (see attach)
                });
    }
}
