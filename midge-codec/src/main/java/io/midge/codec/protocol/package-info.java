/**
 * The vocabulary of the protocol that packets and properties are written in: protocol versions, packet types,
 * reason codes, and binary data compared by content. It depends on no other package of the codec, so that
 * {@code property} and {@code packet} can use it and the decoder and encoder can use all three.
 */
package io.midge.codec.protocol;
