package io.midge.broker.cluster;

/**
 * One node of the cluster as this node sees it, for the management API.
 *
 * @param mqttAddress where its MQTT clients connect ({@code host:port}), null until it said
 * @param linkUp      whether this node's link to it is up; null for this node itself
 * @param clients     its clients connected, as it last said (every few seconds); null until it said
 * @param queued      messages in this node's forwarding queue to it (queued and in flight); null for this node
 */
public record NodeInfo(String id, String mqttAddress, boolean self, Boolean linkUp, Integer clients, Long queued) {
}
