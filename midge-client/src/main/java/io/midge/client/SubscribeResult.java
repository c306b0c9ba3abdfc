package io.midge.client;

import io.midge.codec.property.MqttProperties;
import io.midge.codec.protocol.ReasonCode;
import java.util.List;

/**
 * The broker's answer to SUBSCRIBE: one code per topic filter, in order (the granted QoS 0x00-0x02, or a failure
 * 0x80 and above). The future fails only when the broker refuses every filter.
 *
 * @param reasonCodes one per filter
 * @param properties  SUBACK properties (Reason String, User Properties)
 */
public record SubscribeResult(List<ReasonCode> reasonCodes, MqttProperties properties) {
    /** Whether the broker accepted every filter. */
    public boolean allGranted() {
        return reasonCodes.stream().noneMatch(ReasonCode::isError);
    }
}
