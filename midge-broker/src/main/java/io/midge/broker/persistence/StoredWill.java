package io.midge.broker.persistence;

import java.util.Objects;

/**
 * A will waiting for its Will Delay Interval (or its session's end) to pass.
 *
 * @param message          the will as the broker holds it before publication (a Message Expiry Interval, if any,
 *                         still among its properties: it counts from publication)
 * @param publishAtMillis  epoch milliseconds at which the will is due
 */
public record StoredWill(String clientId, StoredMessage message, long publishAtMillis) {
    public StoredWill {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(message, "message");
    }
}
