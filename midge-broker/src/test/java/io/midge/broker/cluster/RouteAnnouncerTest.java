package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.routing.SubscriptionOptions;
import io.midge.broker.routing.TopicTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The route table's announcements of new routes on the links, which SUBACK waits for (MQTT-4.5.0-1: a message the
 * server takes after SUBACK goes to the new subscription, whichever node it is published on). The links are a list
 * of what is sent; ROUTED answers are fed back by hand.
 */
class RouteAnnouncerTest {
    private static final SubscriptionOptions QOS0 = SubscriptionOptions.of(0);
    private static final SubscriptionOptions QOS1 = SubscriptionOptions.of(1);

    private record Sent(String node, HandoverCodec.Frame frame) {
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<Runnable> timers = new ArrayList<>();
    private final List<String> subscribedAhead = new CopyOnWriteArrayList<>();
    private final TopicTree tree = new TopicTree();
    private final RouteTable table = new RouteTable("n1", Runnable::run, tree);
    private final RouteAnnouncer announcer = new RouteAnnouncer(() -> Set.of("n2", "n3"),
            (node, message, deadline) -> {
                sent.add(new Sent(node, HandoverCodec.read(message)));
                return CompletableFuture.completedFuture(null);
            },
            (task, millis) -> timers.add(task),
            (node, filter, durable) -> {
                subscribedAhead.add(node + " " + filter + (durable ? " durable" : " clean"));
                return CompletableFuture.completedFuture(null);
            });

    RouteAnnouncerTest() {
        Map<String, String> routes = new ConcurrentHashMap<>();
        table.connect(FakeReplicatedMap.over(routes));
        table.announceWith(announcer);
        tree.watch(table);
    }

    private List<Sent> routesSent() {
        return sent.stream().filter(s -> s.frame().kind() == HandoverCodec.ROUTES).toList();
    }

    private void routedFrom(String node, long requestId) {
        announcer.onRouted(node, HandoverCodec.read(HandoverCodec.routed(requestId)));
    }

    @Test
    @DisplayName("A filter new to the node goes to every linked node; SUBACK's wait ends once each forwards it, and a "
            + "second subscriber's SUBACK waits for the same announcement instead of making another")
    void aNewRouteIsAnnouncedOnceAndWaitedFor() {
        tree.subscribe(new LocalSubscriber("a"), "ward3/+/heartrate", QOS0);
        assertThat(routesSent()).extracting(Sent::node).containsExactlyInAnyOrder("n2", "n3");
        assertThat(routesSent().get(0).frame().filters()).containsExactly("ward3/+/heartrate");
        long id = routesSent().get(0).frame().requestId();
        CompletableFuture<Void> first = tree.spread(List.of("ward3/+/heartrate"));
        tree.subscribe(new LocalSubscriber("b"), "ward3/+/heartrate", QOS0);
        CompletableFuture<Void> second = tree.spread(List.of("ward3/+/heartrate"));
        assertThat(routesSent()).as("the second subscriber announces nothing").hasSize(2);
        routedFrom("n2", id);
        assertThat(first).as("n3 has not said so yet").isNotDone();
        routedFrom("n3", id);
        assertThat(first).isCompleted();
        assertThat(second).isCompleted();
        assertThat(tree.spread(List.of("ward3/+/heartrate"))).as("nothing on its way any more").isCompleted();
        assertThat(tree.spread(List.of("$SYS/#", "other"))).as("no route, or none announced").isCompleted();
    }

    @Test
    @DisplayName("A persistent session subscribing at QoS 1 to a route only clean sessions had announces it again "
            + "(the other nodes store what they forward through it before PUBACK, MQTT-4.3.2-2); once the route is "
            + "durable, more persistent subscribers announce nothing")
    void aRouteBecomingDurableIsAnnounced() {
        tree.subscribe(new LocalSubscriber("clean"), "x/#", QOS1);
        assertThat(routesSent()).hasSize(2);
        assertThat(routesSent().get(0).frame().flag()).as("announced clean: the other nodes store nothing for it")
                .isFalse();
        tree.subscribe(new LocalSubscriber("kept", true), "x/#", QOS1);
        assertThat(routesSent()).as("announced again as it becomes durable").hasSize(4);
        assertThat(routesSent().get(3).frame().flag()).as("durable now").isTrue();
        CompletableFuture<Void> suback = tree.spread(List.of("x/#"));
        long id = routesSent().get(3).frame().requestId();
        routedFrom("n2", id);
        routedFrom("n3", id);
        assertThat(suback).isCompleted();
        tree.subscribe(new LocalSubscriber("kept too", true), "x/#", QOS1);
        tree.subscribe(new LocalSubscriber("clean too"), "x/#", QOS1);
        assertThat(routesSent()).as("durable already: nothing more").hasSize(4);
    }

    @Test
    @DisplayName("A node that does not answer holds SUBACK up until the deadline only")
    void theWaitEndsAtTheDeadline() {
        tree.subscribe(new LocalSubscriber("a"), "late/#", QOS0);
        CompletableFuture<Void> suback = tree.spread(List.of("late/#"));
        routedFrom("n2", routesSent().get(0).frame().requestId());
        assertThat(suback).isNotDone();
        assertThat(timers).hasSize(1);
        timers.get(0).run();
        assertThat(suback).isCompleted();
    }

    @Test
    @DisplayName("Another node's new routes: the queue to it takes each filter ahead of the route table, as durable "
            + "as the route, then this node answers ROUTED to that node")
    void anotherNodesRoutesAreForwardedThenConfirmed() {
        announcer.onRoutes("n2", HandoverCodec.read(HandoverCodec.routes(41, List.of("a/#", "$share/g/b"), false)));
        assertThat(subscribedAhead).as("as durable as the route").containsExactly("n2 a/# clean", "n2 $share/g/b clean");
        assertThat(sent).singleElement().satisfies(s -> {
            assertThat(s.node()).isEqualTo("n2");
            assertThat(s.frame().kind()).isEqualTo(HandoverCodec.ROUTED);
            assertThat(s.frame().requestId()).isEqualTo(41);
        });
    }

    @Test
    @DisplayName("A filter too long for a link message's string (16,000 emoji: 64,000 bytes of UTF-8, a valid MQTT "
            + "string, but 96,000 in the modified UTF-8 of the link's field) is left to the route table: SUBACK does "
            + "not wait, and nothing is sent")
    void aFilterTooLongForTheLinkIsNotAnnounced() {
        String filter = "\uD83D\uDE00".repeat(16_000);
        tree.subscribe(new LocalSubscriber("a"), filter, QOS0);
        assertThat(tree.spread(List.of(filter))).isCompleted();
        assertThat(sent).isEmpty();
        assertThat(table.ownRoutes()).isEqualTo(1);
    }
}
