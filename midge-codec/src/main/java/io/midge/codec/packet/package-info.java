/**
 * The control packets (and a will, a subscription) as immutable values that check their own arguments. Depends on
 * {@code protocol} and {@code property}; knows nothing of bytes, which are the decoder's and the encoder's business.
 */
package io.midge.codec.packet;
