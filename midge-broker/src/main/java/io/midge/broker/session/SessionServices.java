package io.midge.broker.session;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.TopicTree;

/**
 * What every session of a broker uses and none owns: one object, so that a session holds one reference instead of
 * four (every idle connection has a session), and can make its {@link DeliveryFlow} when its first message comes.
 */
public record SessionServices(BrokerConfig config, BrokerMetrics metrics, Persistence store, TopicTree topicTree) {
    DeliveryFlow newFlow(Session session) {
        return new DeliveryFlow(session, store, new SessionMailbox(session, config, metrics));
    }
}
