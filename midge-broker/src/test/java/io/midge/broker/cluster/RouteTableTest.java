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
    @DisplayName("A filter is one route however many local subscribers want it, shared ones by their filter; "
            + "nodes' own subscriptions and $ filters are no routes")
    void routesAreCountedPerFilter() {
        RouteTable table = new RouteTable("n1", Runnable::run); // not joined: counts only
        Client a = new Client("a");
        Client b = new Client("b");
        table.added(a, "x/#");
        table.added(b, "x/#");
        table.added(b, "$share/g/x/#");
        table.added(a, "$SYS/#");
        table.added(new Client("$cluster/to/n2"), "y");
        assertThat(table.ownRoutes()).isEqualTo(1);
        table.removed(a, "x/#");
        table.removed(b, "x/#");
        assertThat(table.ownRoutes()).as("the shared subscription still wants x/#").isEqualTo(1);
        table.removed(b, "$share/g/x/#");
        assertThat(table.ownRoutes()).isZero();
        assertThat(RouteTable.routed("$share/group/a/+/c")).isEqualTo("a/+/c");
        assertThat(RouteTable.key("n1", "a/b")).isEqualTo("n1\0a/b");
    }
}
