package io.midge.broker.routing;

/** What {@link TopicTree#subscribe} did: MQTT 5.0 Retain Handling 1 sends retained messages only when it created. */
public enum SubscribeResult {
    /** The subscriber had no subscription to this filter; one was added. */
    CREATED,
    /** The subscriber already had a subscription to this filter; its options were replaced. */
    REPLACED;

    public boolean existed() {
        return this == REPLACED;
    }
}
