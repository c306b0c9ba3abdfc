package io.midge.broker.bridge;

import io.midge.broker.config.BridgeConfig;
import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicFilters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bridge's topic rules, as the link applies them: which local filters the outbound queue subscribes to, which
 * remote filters the link subscribes to, and the prefix each side's topic trades for the other's (the first rule
 * that matches decides, in the order of the configuration).
 */
final class TopicRules {
    private final List<BridgeConfig.TopicRule> out;
    private final List<BridgeConfig.TopicRule> in;

    TopicRules(List<BridgeConfig.TopicRule> rules) {
        this.out = rules.stream().filter(r -> r.direction().out()).toList();
        this.in = rules.stream().filter(r -> r.direction().in()).toList();
    }

    List<BridgeConfig.TopicRule> inbound() {
        return in;
    }

    /**
     * The outbound queue's subscriptions: each out rule's local filter at the rule's QoS, No Local (what this bridge
     * brought in does not go back out: the loop rule), Retain As Published (retained messages stay retained there),
     * and no retained messages on subscribing (the queue lives for good; the remote would get them again at every
     * reload).
     */
    Map<String, SubscriptionOptions> queueSubscriptions() {
        Map<String, SubscriptionOptions> subs = new LinkedHashMap<>();
        for (BridgeConfig.TopicRule r : out) {
            SubscriptionOptions o = new SubscriptionOptions(r.qos(), true, true, 2, 0);
            subs.merge(r.localFilter(), o, (a, b) -> a.qos() >= b.qos() ? a : b);
        }
        return subs;
    }

    /** The remote topic of a local one, or null when no out rule covers it. */
    String toRemote(String localTopic) {
        for (BridgeConfig.TopicRule r : out) {
            if (TopicFilters.matches(r.localFilter(), localTopic)) {
                return r.remotePrefix() + localTopic.substring(r.localPrefix().length());
            }
        }
        return null;
    }

    /** The local topic of a remote one, or null when no in rule covers it. */
    String toLocal(String remoteTopic) {
        for (BridgeConfig.TopicRule r : in) {
            if (TopicFilters.matches(r.remoteFilter(), remoteTopic)) {
                return r.localPrefix() + remoteTopic.substring(r.remotePrefix().length());
            }
        }
        return null;
    }
}
