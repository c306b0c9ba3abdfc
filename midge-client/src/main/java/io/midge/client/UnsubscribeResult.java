package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;

/**
 * The broker's answer to UNSUBSCRIBE: one code per topic filter (MQTT 5.0; with 3.1.1 every code is SUCCESS).
 *
 * @param reasonCodes one per filter
 * @param properties  UNSUBACK properties
 */
public record UnsubscribeResult(List<ReasonCode> reasonCodes, MqttProperties properties) {
}
