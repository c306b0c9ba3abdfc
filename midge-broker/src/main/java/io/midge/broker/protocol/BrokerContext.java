package io.midge.broker.protocol;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.limits.ConnectionLimits;
import io.midge.broker.metrics.BrokerMetrics;
import io.midge.broker.persistence.Persistence;
import io.midge.broker.routing.NodeClientIds;
import io.midge.broker.routing.Router;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.security.EnhancedAuthenticator;
import io.midge.broker.session.SessionRegistry;
import java.util.Map;

/**
 * What every connection shares: the configuration and the broker's parts. {@code authenticator} is
 * {@link Authenticator#ALLOW_ALL} when nothing checks credentials; {@code authorizer} is {@link Authorizer#ALLOW_ALL}
 * without an ACL file (and then costs nothing per message). {@code nodeLinks} marks the context of a cluster's
 * link listener, where only other nodes connect (under {@link NodeClientIds}); on every other listener no client may
 * take such an identifier.
 */
public record BrokerContext(BrokerConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                            Authenticator authenticator, Map<String, EnhancedAuthenticator> enhancedAuthenticators,
                            Persistence persistence, ConnectionLimits limits, Authorizer authorizer,
                            boolean nodeLinks) {

    /** The context of the MQTT listeners. */
    public BrokerContext(BrokerConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                         Authenticator authenticator, Map<String, EnhancedAuthenticator> enhancedAuthenticators,
                         Persistence persistence, ConnectionLimits limits, Authorizer authorizer) {
        this(config, sessions, router, metrics, authenticator, enhancedAuthenticators, persistence, limits,
                authorizer, false);
    }
}
