/**
 * What survives a restart and a kill -9: persistent sessions, their subscriptions, queues and in-flight state,
 * inbound QoS 2 identifiers, retained messages and delayed wills.
 *
 * <p>{@link io.midge.broker.persistence.Persistence} is what the broker sees: batches of changes written
 * atomically and asynchronously (the future completes on the caller's event loop once durable), and one
 * {@code recover()} at start. {@link io.midge.broker.persistence.RocksDbPersistence} keeps them in RocksDB with
 * group commit; {@link io.midge.broker.persistence.InMemoryPersistence} keeps nothing, for {@code --in-memory}.
 * The records here are plain values with heap byte arrays and wall-clock deadlines; converting the broker's
 * messages (pooled payloads, {@code System.nanoTime()} deadlines) to and from them is the broker's side.
 */
package io.midge.broker.persistence;
