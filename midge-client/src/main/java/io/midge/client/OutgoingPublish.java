package io.midge.client;

import java.util.concurrent.CompletableFuture;

/** A publish from its submission until its flow is complete. Confined to the client's event loop once submitted. */
final class OutgoingPublish {
    final OutgoingMessage message;
    /** Null for a publish recovered from a durable buffer: its submitter was an earlier client. */
    final CompletableFuture<PublishResult> future;
    /** Its record in the offline buffer (0: none, as for QoS 0). */
    final long storeId;
    /** QoS 2: the broker sent PUBREC and the client PUBREL, so it is PUBCOMP that is awaited. */
    boolean released;

    OutgoingPublish(OutgoingMessage message, CompletableFuture<PublishResult> future, long storeId) {
        this.message = message;
        this.future = future;
        this.storeId = storeId;
    }
}
