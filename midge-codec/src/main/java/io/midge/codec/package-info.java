/**
 * The MQTT wire format: {@link io.midge.codec.MqttDecoder} turns a connection's bytes into packets, checking every
 * rule of their form, and {@link io.midge.codec.MqttEncoder} writes packets for one protocol version. It sits on
 * top of {@code packet}, {@code property} and {@code protocol}, none of which depends on it. {@link
 * io.midge.codec.Topics} and {@link io.midge.codec.Utf8} hold the topic and UTF-8 rules the broker checks as well.
 */
package io.midge.codec;
