package io.midge.broker.routing;

/**
 * Whoever holds subscriptions in the {@link TopicTree}: in the broker, a session. The tree tells subscribers apart
 * by object identity ({@code ==}), whatever {@code equals} says, so one session object is one subscriber.
 */
public interface Subscriber {
    /** The client identifier, compared with the publisher's for the No Local option. */
    String clientId();

    /** Whether a connection is attached now; shared subscriptions prefer online members. Read concurrently. */
    boolean isOnline();
}
