package io.midge.broker;

import io.midge.broker.bridge.BridgePlacement;
import io.midge.broker.cluster.Cluster;
import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.config.TlsConfig;
import io.midge.broker.protocol.BrokerContext;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.Authorizer;
import io.midge.broker.transport.CertificateWatcher;
import io.midge.broker.transport.MqttListener;
import io.midge.broker.transport.ReloadingSslContext;
import io.midge.codec.protocol.ReasonCode;
import io.netty.channel.EventLoopGroup;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What plugs a broker into its cluster, apart from {@link Broker}'s start: the listener other nodes forward to, and
 * where each bridge runs. Only a cluster node ({@code cluster:} configured) uses it.
 */
final class ClusterWiring {
    private ClusterWiring() {
    }

    /**
     * The listener other nodes forward messages to: MQTT 5 on {@code cluster.host}, for node identifiers only,
     * authenticated by the cluster's secret and nothing else (no password, no anonymous client); the ACL is not
     * asked again, the publisher's node asked it. With {@code cluster.tls}, TLS both ways: the listener requires the
     * other node's certificate, and this node's links present its own.
     */
    static MqttListener bindLinks(BrokerConfig config, Cluster cluster, BrokerContext context,
                                  EventLoopGroup group) throws InterruptedException {
        TlsConfig tls = config.cluster().tls();
        ListenerConfig l = new ListenerConfig("cluster-link", tls == null ? ListenerConfig.Transport.TCP
                : ListenerConfig.Transport.TLS, config.cluster().host(), config.cluster().linkPort(), null, false, 0,
                tls);
        if (tls != null) {
            // The other end of each link: this node's certificate for the others to check, their CA to check theirs.
            ReloadingSslContext client = ReloadingSslContext.loadClient("cluster-link (client end)", tls);
            cluster.linkTls(client::newHandler, new CertificateWatcher("cluster-link-client", client));
        }
        Authenticator noPasswords = (clientId, username, password, remote) ->
                CompletableFuture.completedFuture(ReasonCode.NOT_AUTHORIZED);
        BrokerContext links = new BrokerContext(config, context.sessions(), context.router(), context.metrics(),
                noPasswords, Map.of(cluster.linkAuthenticator().method(), cluster.linkAuthenticator()),
                context.persistence(), context.limits(), Authorizer.ALLOW_ALL, true);
        return MqttListener.bind(l, group, links);
    }

    /** A cluster runs each bridge on one node at a time: the one the cluster chooses (see the README's Cluster). */
    static BridgePlacement bridgePlacement(Cluster cluster) {
        return new BridgePlacement() {
            @Override
            public void offer(Collection<String> bridges) {
                cluster.offerBridges(bridges);
            }

            @Override
            public boolean runsHere(String bridge) {
                return cluster.runsBridge(bridge);
            }

            @Override
            public String host(String bridge) {
                return cluster.bridgeHost(bridge);
            }

            @Override
            public void onChange(Runnable changed) {
                cluster.watchBridgeHosts(changed);
            }

            @Override
            public CompletableFuture<Void> forwardedHere(String bridge, Collection<String> filters) {
                return cluster.bridgeBacklogArrived(bridge, filters);
            }
        };
    }
}
