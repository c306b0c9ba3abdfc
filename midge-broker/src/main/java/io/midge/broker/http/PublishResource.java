package io.midge.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.routing.Message;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authorizer;
import io.midge.codec.Topics;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.protocol.Binary;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/publish}: publishes as a client would. The same checks (topic, QoS and retain against the
 * broker's maximums, size against max-packet-size, {@code $} topics reserved for the broker, the ACL for the
 * logged-in user), then the router's own path: a QoS 1/2 message is durable and handed to its subscribers before
 * the answer, as a client's is before its PUBACK.
 */
final class PublishResource {
    private static final Logger log = LoggerFactory.getLogger(PublishResource.class);
    private static final Set<String> FIELDS = Set.of("topic", "payload", "payloadEncoding", "qos", "retain",
            "properties");
    private static final Set<String> PROPERTIES = Set.of("messageExpiryInterval", "contentType", "responseTopic",
            "correlationData", "payloadFormatIndicator", "userProperties");

    private final ApiContext api;

    PublishResource(ApiContext api) {
        this.api = api;
    }

    CompletionStage<ApiResponse> post(ApiRequest request) {
        JsonNode body = request.jsonBody();
        known(body, FIELDS, "");
        String topic = text(body, "topic", true);
        String problem = topic.isEmpty() ? "topic must not be empty" : Topics.topicNameProblem(topic);
        if (problem != null) {
            throw ApiError.badRequest("topic", problem);
        }
        if (topic.getBytes(StandardCharsets.UTF_8).length > 65535) {
            throw ApiError.badRequest("topic", "topic is longer than 65,535 bytes");
        }
        int qos = whole(body, "qos", 0, 0, 2);
        if (qos > api.broker().config().protocol().maximumQos()) {
            throw ApiError.badRequest("qos", "qos " + qos + " is above the broker's maximum-qos "
                    + api.broker().config().protocol().maximumQos());
        }
        boolean retain = flag(body, "retain");
        if (retain && !api.broker().config().protocol().retainAvailable()) {
            throw ApiError.badRequest("retain", "retained messages are not supported (retain-available: false)");
        }
        byte[] payload = payload(body);
        if (payload.length > api.broker().config().protocol().maxPacketSize()) {
            throw new ApiError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload", "the payload is larger than "
                    + "max-packet-size (" + api.broker().config().protocol().maxPacketSize() + " bytes)");
        }
        MqttProperties.Builder props = MqttProperties.builder();
        long expiry = properties(body.get("properties"), props, payload);
        checkMayPublish(api, request, topic);

        long deadline = expiry < 0 ? Message.NEVER : System.nanoTime() + TimeUnit.SECONDS.toNanos(expiry);
        Message message = new Message(topic, qos, retain, Unpooled.wrappedBuffer(payload), props.build(), deadline,
                null);
        BrokerMetrics metrics = api.broker().metrics();
        return api.broker().router().publishDurably(message).handle((outcome, e) -> {
            if (e != null) {
                log.warn("A message published through the API to '{}' could not be stored: {}", topic,
                        e.toString());
                throw ApiError.unavailable("the store did not take the message; it was not published");
            }
            if (outcome == Router.Outcome.NO_SUBSCRIBERS && !retain) {
                metrics.droppedNoSubscribers.increment();
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("topic", topic);
            answer.put("qos", qos);
            return ApiResponse.json(answer);
        });
    }

    /**
     * What a client publishing to the topic would be refused for: a {@code $} topic (the broker's own, §4.7.2) or
     * the ACL, for the logged-in user (anonymous where the listener lets requests in without one). 403, counted
     * as the clients' refusals are and as an HTTP refusal.
     */
    static void checkMayPublish(ApiContext api, ApiRequest request, String topic) {
        BrokerMetrics metrics = api.broker().metrics();
        if (topic.startsWith("$")) {
            metrics.publishesToReservedTopics.increment();
            metrics.httpRefused.increment();
            log.debug("Refused API publish to '{}' from {}: reserved for the broker", topic, request.remote());
            throw ApiError.forbidden("'" + topic + "' starts with $, which is reserved for the broker (MQTT 4.7.2)");
        }
        Authorizer authorizer = api.broker().authorizer();
        if (authorizer != Authorizer.ALLOW_ALL && !authorizer.canPublish(null, request.user(), topic)) {
            metrics.publishesDenied.increment();
            metrics.httpRefused.increment();
            log.debug("Refused API publish to '{}' from {} (user '{}'): the ACL does not allow it", topic,
                    request.remote(), request.user());
            throw ApiError.forbidden("the ACL does not let " + (request.user() == null ? "anonymous users"
                    : "user '" + request.user() + "'") + " publish to '" + topic + "'");
        }
    }

    private static byte[] payload(JsonNode body) {
        String text = body.has("payload") && !body.get("payload").isNull() ? text(body, "payload", false) : "";
        String encoding = body.has("payloadEncoding") ? text(body, "payloadEncoding", false) : "utf8";
        switch (encoding) {
            case "utf8":
                return text.getBytes(StandardCharsets.UTF_8);
            case "base64":
                try {
                    return Base64.getDecoder().decode(text);
                } catch (IllegalArgumentException e) {
                    throw ApiError.badRequest("payload", "payload is not valid base64: " + e.getMessage());
                }
            default:
                throw ApiError.badRequest("payloadEncoding", "payloadEncoding must be utf8 or base64");
        }
    }

    /** Fills the MQTT 5.0 properties; returns the Message Expiry Interval, or -1 for none. */
    private static long properties(JsonNode node, MqttProperties.Builder props, byte[] payload) {
        if (node == null || node.isNull()) {
            return -1;
        }
        if (!node.isObject()) {
            throw ApiError.badRequest("properties", "properties must be an object");
        }
        known(node, PROPERTIES, "properties.");
        long expiry = -1;
        if (node.has("messageExpiryInterval")) {
            expiry = wholeLong(node, "messageExpiryInterval", "properties.messageExpiryInterval", 0, 0xFFFF_FFFFL);
        }
        if (node.has("contentType")) {
            props.add(PropertyId.CONTENT_TYPE, text(node, "contentType", "properties.contentType"));
        }
        if (node.has("responseTopic")) {
            String responseTopic = text(node, "responseTopic", "properties.responseTopic");
            String problem = responseTopic.isEmpty() ? "responseTopic must not be empty"
                    : Topics.topicNameProblem(responseTopic);
            if (problem != null) {
                throw ApiError.badRequest("properties.responseTopic", problem);
            }
            props.add(PropertyId.RESPONSE_TOPIC, responseTopic);
        }
        if (node.has("correlationData")) {
            try {
                props.add(PropertyId.CORRELATION_DATA, Binary.of(Base64.getDecoder().decode(
                        text(node, "correlationData", "properties.correlationData"))));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("properties.correlationData", "correlationData must be base64");
            }
        }
        if (node.has("payloadFormatIndicator")) {
            long indicator = wholeLong(node, "payloadFormatIndicator", "properties.payloadFormatIndicator", 0, 1);
            if (indicator == 1 && RetainedResource.utf8(payload) == null) {
                throw ApiError.badRequest("properties.payloadFormatIndicator", "payloadFormatIndicator 1 says the "
                        + "payload is UTF-8, and it is not");
            }
            props.add(PropertyId.PAYLOAD_FORMAT_INDICATOR, indicator);
        }
        if (node.has("userProperties")) {
            JsonNode list = node.get("userProperties");
            if (!list.isArray()) {
                throw ApiError.badRequest("properties.userProperties", "userProperties must be an array of "
                        + "{\"name\", \"value\"}");
            }
            for (JsonNode pair : list) {
                if (!pair.isObject() || !pair.path("name").isTextual() || !pair.path("value").isTextual()
                        || pair.size() != 2) {
                    throw ApiError.badRequest("properties.userProperties", "userProperties must be an array of "
                            + "{\"name\", \"value\"}");
                }
                props.userProperty(pair.get("name").asText(), pair.get("value").asText());
            }
        }
        return expiry;
    }

    private static void known(JsonNode node, Set<String> fields, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!fields.contains(name)) {
                throw ApiError.badRequest(prefix + name, "unknown field '" + prefix + name + "'");
            }
        }
    }

    private static String text(JsonNode body, String name, boolean required) {
        return text(body, name, name, required);
    }

    private static String text(JsonNode node, String name, String field) {
        return text(node, name, field, true);
    }

    private static String text(JsonNode node, String name, String field, boolean required) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiError.badRequest(field, field + " is required");
            }
            return "";
        }
        if (!value.isTextual()) {
            throw ApiError.badRequest(field, field + " must be a string");
        }
        return value.asText();
    }

    private static int whole(JsonNode body, String name, int defaultValue, int min, int max) {
        return body.has(name) ? (int) wholeLong(body, name, name, min, max) : defaultValue;
    }

    private static long wholeLong(JsonNode node, String name, String field, long min, long max) {
        JsonNode value = node.get(name);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min
                || value.asLong() > max) {
            throw ApiError.badRequest(field, field + " must be a whole number from " + min + " to " + max);
        }
        return value.asLong();
    }

    private static boolean flag(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ApiError.badRequest(name, name + " must be true or false");
        }
        return value.asBoolean();
    }
}
