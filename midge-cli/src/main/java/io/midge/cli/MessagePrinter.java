package io.midge.cli;

import io.midge.client.IncomingMessage;
import io.midge.codec.property.MqttProperties;
import io.midge.codec.property.PropertyId;
import io.midge.codec.property.UserProperty;
import io.midge.codec.protocol.Binary;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * How {@code midge sub} and {@code midge rr} print a message: the payload; with -v the topic first; with -F a
 * format; with --json one JSON object per line.
 *
 * <p>-F: {@code %t} topic, {@code %p} payload, {@code %q} QoS, {@code %r} retain (0/1), {@code %l} payload length,
 * {@code %m} packet identifier, {@code %I} ISO-8601 time, {@code %U} Unix time in seconds, {@code %x}/{@code %X}
 * payload in lower/upper case hex, {@code %C} content type, {@code %E} message expiry interval, {@code %R} response
 * topic, {@code %D} correlation data, {@code %P} user properties (name:value, space apart), {@code %%} a percent
 * sign; {@code \n}, {@code \t} and {@code \\} are escapes.
 */
final class MessagePrinter {
    private final boolean verbose;
    private final String format;
    private final boolean json;
    private final boolean newline;

    MessagePrinter(boolean verbose, String format, boolean json, boolean newline) {
        this.verbose = verbose;
        this.format = format;
        this.json = json;
        this.newline = newline;
    }

    String print(IncomingMessage m) {
        String text;
        if (json) {
            text = json(m);
        } else if (format != null) {
            text = format(m);
        } else if (verbose) {
            text = m.topic() + " " + m.payloadAsString();
        } else {
            text = m.payloadAsString();
        }
        return newline ? text + "\n" : text;
    }

    private String format(IncomingMessage m) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if ((c == '%' || c == '\\') && i + 1 < format.length()) {
                char n = format.charAt(++i);
                if (c == '\\') {
                    out.append(switch (n) {
                        case 'n' -> "\n";
                        case 't' -> "\t";
                        case '\\' -> "\\";
                        default -> "\\" + n;
                    });
                    continue;
                }
                MqttProperties p = m.properties();
                switch (n) {
                    case 't' -> out.append(m.topic());
                    case 'p' -> out.append(m.payloadAsString());
                    case 'q' -> out.append(m.qos());
                    case 'r' -> out.append(m.retain() ? 1 : 0);
                    case 'l' -> out.append(m.payload().length);
                    case 'm' -> out.append(m.packetId());
                    case 'I' -> out.append(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                            Instant.now().atOffset(ZoneOffset.UTC)));
                    case 'U' -> out.append(Instant.now().getEpochSecond());
                    case 'x' -> out.append(HexFormat.of().formatHex(m.payload()));
                    case 'X' -> out.append(HexFormat.of().withUpperCase().formatHex(m.payload()));
                    case 'C' -> out.append(orEmpty(p.string(PropertyId.CONTENT_TYPE)));
                    case 'E' -> p.number(PropertyId.MESSAGE_EXPIRY_INTERVAL).ifPresent(out::append);
                    case 'R' -> out.append(orEmpty(p.string(PropertyId.RESPONSE_TOPIC)));
                    case 'D' -> {
                        Binary d = p.binary(PropertyId.CORRELATION_DATA);
                        out.append(d == null ? "" : d.toUtf8());
                    }
                    case 'P' -> {
                        List<UserProperty> ups = p.userProperties();
                        for (int k = 0; k < ups.size(); k++) {
                            out.append(k == 0 ? "" : " ").append(ups.get(k).name()).append(':')
                                    .append(ups.get(k).value());
                        }
                    }
                    case '%' -> out.append('%');
                    default -> out.append('%').append(n);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** {@code {"topic":..,"payload":..,"qos":..,"retain":..,"properties":{..}}}; a payload that is not UTF-8 is base64. */
    static String json(IncomingMessage m) {
        StringBuilder out = new StringBuilder("{\"topic\":").append(quote(m.topic()));
        String utf8 = strictUtf8(m.payload());
        if (utf8 != null) {
            out.append(",\"payload\":").append(quote(utf8));
        } else {
            out.append(",\"payload\":").append(quote(Base64.getEncoder().encodeToString(m.payload())))
                    .append(",\"payload_base64\":true");
        }
        out.append(",\"qos\":").append(m.qos()).append(",\"retain\":").append(m.retain());
        MqttProperties p = m.properties();
        if (!p.isEmpty()) {
            out.append(",\"properties\":{");
            boolean first = true;
            StringBuilder users = new StringBuilder();
            StringBuilder ids = new StringBuilder();
            for (MqttProperties.Property prop : p.asList()) {
                if (prop.id() == PropertyId.USER_PROPERTY) {
                    UserProperty u = (UserProperty) prop.value();
                    users.append(users.isEmpty() ? "" : ",").append('[').append(quote(u.name())).append(',')
                            .append(quote(u.value())).append(']');
                    continue;
                }
                if (prop.id() == PropertyId.SUBSCRIPTION_IDENTIFIER) {
                    ids.append(ids.isEmpty() ? "" : ",").append(prop.value());
                    continue;
                }
                out.append(first ? "" : ",").append(quote(name(prop.id()))).append(':');
                first = false;
                Object v = prop.value();
                if (v instanceof Long l) {
                    out.append(l);
                } else if (v instanceof Binary b) {
                    String s = strictUtf8(b.toByteArray());
                    out.append(quote(s != null ? s : Base64.getEncoder().encodeToString(b.toByteArray())));
                } else {
                    out.append(quote(String.valueOf(v)));
                }
            }
            if (!users.isEmpty()) {
                out.append(first ? "" : ",").append("\"user_properties\":[").append(users).append(']');
                first = false;
            }
            if (!ids.isEmpty()) {
                out.append(first ? "" : ",").append("\"subscription_identifiers\":[").append(ids).append(']');
            }
            out.append('}');
        }
        return out.append('}').toString();
    }

    private static String name(PropertyId id) {
        return id.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
