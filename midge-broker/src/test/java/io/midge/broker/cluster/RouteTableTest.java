package io.midge.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.midge.broker.routing.Delivery;
import io.midge.broker.routing.Subscriber;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private record Client(String clientId) implements Subscriber {
        @Override
        public boolean isOnline() {
            return true;
        }

        @Override
        public boolean offer(Delivery delivery) {
            return false;
        }
    }

    @Test
    @DisplayName("A filter is one route however many local subscribers want it; a share group's filter is a route "
            + "of its own (MQTT 5 4.8.2: the publishing node picks one node per group); nodes' own subscriptions and "
            + "$ filters are no routes")
    void routesAreCountedPerFilter() {
        RouteTable table = new RouteTable("n1", Runnable::run); // not joined: counts only
        Client a = new Client("a");
        Client b = new Client("b");
        table.added(a, "x/#");
        table.added(b, "x/#");
        table.added(b, "$share/g/x/#");
        table.added(a, "$share/g/x/#");
        table.added(a, "$SYS/#");
        table.added(a, "$share/g/$SYS/#");
        table.added(new Client("$cluster/to/n2"), "y");
        assertThat(table.ownRoutes()).isEqualTo(2);
        table.removed(a, "x/#");
        table.removed(b, "x/#");
        assertThat(table.ownRoutes()).as("the share group's route stays").isEqualTo(1);
        table.removed(b, "$share/g/x/#");
        assertThat(table.ownRoutes()).as("a still is in the group").isEqualTo(1);
        table.removed(a, "$share/g/x/#");
        assertThat(table.ownRoutes()).isZero();
        assertThat(RouteTable.routed("$share/group/a/+/c")).isEqualTo("$share/group/a/+/c");
        assertThat(RouteTable.routed("$share/group/$SYS/x")).isNull();
        assertThat(RouteTable.key("n1", "a/b")).isEqualTo("n1\0a/b");
    }

    @Test
    @DisplayName("A queue's membership of a share group carries the group's identifier, the same for a filter "
            + "after a restart; two filters with one hash get different identifiers")
    void shareIds() {
        ShareIds ids = new ShareIds();
        int g = ids.id("$share/g/x");
        assertThat(ids.id("$share/g/x")).isEqualTo(g);
        assertThat(ids.filter(g)).isEqualTo("$share/g/x");
        // "Aa" and "BB" have the same String hash.
        int aa = ids.id("$share/Aa/x");
        int bb = ids.id("$share/BB/x");
        assertThat(aa).isNotEqualTo(bb);
        assertThat(ids.filter(aa)).isEqualTo("$share/Aa/x");
        assertThat(ids.filter(bb)).isEqualTo("$share/BB/x");
        ShareIds restored = new ShareIds();
        restored.restored("$share/BB/x", bb);
        assertThat(restored.id("$share/BB/x")).isEqualTo(bb);
        assertThat(restored.id("$share/Aa/x")).isEqualTo(aa);
    }
}
