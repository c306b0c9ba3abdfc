package io.midge.broker.http;

import io.midge.broker.routing.Message;
import io.midge.broker.routing.RetainedStore;
import io.midge.broker.routing.Router;
import io.midge.codec.Topics;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@code /api/v1/retained}: the retained messages matching an MQTT filter, a page at a time in topic order (the
 * retained store's trie walked in order, stopping at the page's end), and clearing one, by the path a client's empty
 * retained publish takes, the ACL included.
 */
final class RetainedResource {
    private final ApiContext api;

    RetainedResource(ApiContext api) {
        this.api = api;
    }

    ApiResponse list(ApiRequest request) {
        Paging paging = Paging.of(request, 1);
        String filter = request.param("filter");
        if (filter == null) {
            filter = "#";
        }
        String problem = Topics.topicFilterProblem(filter, false);
        if (problem == null && Topics.isSharedFilter(filter)) {
            problem = "a shared subscription's filter holds no retained messages";
        }
        if (problem != null) {
            throw ApiError.badRequest("filter", problem);
        }
        RetainedStore<Message> retained = api.broker().router().retained();
        List<Map<String, Object>> items = new ArrayList<>();
        String[] next = {null};
        long now = System.nanoTime();
        retained.walkInOrder(filter, paging.after == null ? null : paging.after[0], (topic, message) -> {
            if (message.isExpired(now)) {
                return true;
            }
            if (items.size() == paging.limit) {
                next[0] = Paging.cursor((String) items.get(items.size() - 1).get("topic"));
                return false;
            }
            items.add(item(topic, message, now));
            return true;
        });
        return ApiResponse.json(Paging.page(items, next[0]));
    }

    /**
     * Clears a topic's retained message: an empty retained publish at QoS 1 through the router, so that the store
     * has forgotten it before the answer and subscribers see it as they would a client's.
     */
    CompletionStage<ApiResponse> delete(ApiRequest request, String topic) {
        String problem = topic.isEmpty() ? "the topic is empty" : Topics.topicNameProblem(topic);
        if (problem != null) {
            throw ApiError.badRequest("topic", problem);
        }
        PublishResource.checkMayPublish(api, request, topic);
        Router router = api.broker().router();
        if (router.retained().get(topic) == null) {
            throw ApiError.notFound("no retained message on '" + topic + "'");
        }
        Message clear = new Message(topic, 1, true, Unpooled.EMPTY_BUFFER, MqttProperties.EMPTY, Message.NEVER,
                null);
        return router.publishDurably(clear).handle((outcome, e) -> {
            if (e != null) {
                throw ApiError.unavailable("the store did not take the change: " + e.getMessage());
            }
            return ApiResponse.noContent();
        });
    }

    /** One retained message as the API shows it. */
    static Map<String, Object> item(String topic, Message m, long now) {
        byte[] payload = ByteBufUtil.getBytes(m.payload(), m.payload().readerIndex(), m.payloadSize());
        String text = utf8(payload);
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("topic", topic);
        item.put("qos", m.qos());
        item.put("payload", text != null ? text : Base64.getEncoder().encodeToString(payload));
        item.put("payloadEncoding", text != null ? "utf8" : "base64");
        item.put("payloadBytes", payload.length);
        item.put("properties", properties(m, now));
        return item;
    }

    private static Map<String, Object> properties(Message m, long now) {
        Map<String, Object> shown = new LinkedHashMap<>();
        MqttProperties p = m.properties();
        if (p.contains(PropertyId.PAYLOAD_FORMAT_INDICATOR)) {
            shown.put("payloadFormatIndicator", p.number(PropertyId.PAYLOAD_FORMAT_INDICATOR, 0));
        }
        if (m.expiryDeadline() != Message.NEVER) {
            shown.put("messageExpiryInterval", m.remainingExpirySeconds(now));
        }
        if (p.contains(PropertyId.CONTENT_TYPE)) {
            shown.put("contentType", p.string(PropertyId.CONTENT_TYPE));
        }
        if (p.contains(PropertyId.RESPONSE_TOPIC)) {
            shown.put("responseTopic", p.string(PropertyId.RESPONSE_TOPIC));
        }
        if (p.contains(PropertyId.CORRELATION_DATA)) {
            shown.put("correlationData", Base64.getEncoder().encodeToString(
                    p.binary(PropertyId.CORRELATION_DATA).toByteArray()));
        }
        List<UserProperty> users = p.userProperties();
        if (!users.isEmpty()) {
            List<Map<String, String>> list = new ArrayList<>();
            for (UserProperty u : users) {
                list.add(Map.of("name", u.name(), "value", u.value()));
            }
            shown.put("userProperties", list);
        }
        return shown;
    }

    /** The payload as text when it is valid UTF-8, else null. */
    static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
