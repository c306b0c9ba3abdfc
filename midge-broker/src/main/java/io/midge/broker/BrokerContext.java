package io.midge.broker;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.session.SessionRegistry;
import java.util.Map;

/** What every connection shares: the configuration and the broker's parts. */
public record BrokerContext(BrokerConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                            Authenticator authenticator, Map<String, EnhancedAuthenticator> enhancedAuthenticators,
                            Persistence persistence, ConnectionLimits limits) {
}
