/**
 * MQTT 5 properties as immutable values: each property's identifier, encoding and the packets it may appear in,
 * and the properties of one packet in wire order. Depends on {@code protocol} only.
 */
package io.midge.codec.property;
