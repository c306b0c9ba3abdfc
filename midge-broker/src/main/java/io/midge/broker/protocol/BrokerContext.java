package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.session.SessionRegistry;
import java.util.Map;

/**
 * What every connection shares: the configuration and the broker's parts. {@code authenticator} is
 * {@link Authenticator#ALLOW_ALL} when nothing checks credentials; {@code authorizer} is {@link Authorizer#ALLOW_ALL}
 * without an ACL file (and then costs nothing per message).
 */
public record BrokerContext(BrokerConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                            Authenticator authenticator, Map<String, EnhancedAuthenticator> enhancedAuthenticators,
                            Persistence persistence, ConnectionLimits limits, Authorizer authorizer) {
}
