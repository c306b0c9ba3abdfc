package io.midge.broker.routing;

/**
 * The client identifiers reserved for bridges: {@code $bridge/<name>}, the stored outbound queue of a bridge and the
 * publisher of what it brings in. No client on an MQTT listener may use one, or it would take the queue over.
 */
public final class BridgeClientIds {
    public static final String PREFIX = "$bridge/";

    private BridgeClientIds() {
    }

    /** Whether the identifier (null for the broker itself) is a bridge's. */
    public static boolean isBridge(String clientId) {
        return clientId != null && clientId.startsWith(PREFIX);
    }
}
