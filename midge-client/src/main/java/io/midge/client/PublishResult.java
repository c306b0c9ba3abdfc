package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.ReasonCode;

/**
 * How a publish ended: for QoS 0 once it was handed to the network, for QoS 1 at PUBACK, for QoS 2 at PUBCOMP.
 * A failure code from the broker fails the future with {@link MqttClientException} instead.
 *
 * @param reasonCode SUCCESS or 0x10 No matching subscribers (MQTT 5.0)
 * @param properties the acknowledgement's properties (Reason String, User Properties), empty for QoS 0
 */
public record PublishResult(ReasonCode reasonCode, MqttProperties properties) {
    static final PublishResult SENT = new PublishResult(ReasonCode.SUCCESS, MqttProperties.EMPTY);
    static final PublishResult ACKNOWLEDGED = SENT;
}
