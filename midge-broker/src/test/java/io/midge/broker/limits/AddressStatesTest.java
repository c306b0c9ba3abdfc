package io.midge.broker.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-address memory of the limits: what counts as one address, and forgetting, on a clock moved by hand. */
class AddressStatesTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aTcpPeerIsKeyedByItsIpAddressWhateverThePort() throws Exception {
        InetAddress ip = InetAddress.getByName("192.0.2.7");

        assertThat(AddressStates.key(new InetSocketAddress(ip, 40000)))
                .isEqualTo(AddressStates.key(new InetSocketAddress(ip, 50000))).isEqualTo(ip);
        assertThat(AddressStates.key(InetSocketAddress.createUnresolved("broker.example", 1883)))
                .isEqualTo("broker.example");
        assertThat(AddressStates.key(null)).isNull();
    }

    @Test
    void forgettableStatesAreSweptAtMostOnceASecond() {
        // The state is the time it was last touched; forgettable two seconds after that.
        AddressStates<Long> states = new AddressStates<>((touched, now) -> now - touched >= 2 * SECOND, 0);
        for (int i = 0; i < 100; i++) {
            states.update("idle-" + i, 0, touched -> 0L);
        }
        states.update("busy", 0, touched -> 0L);

        states.update("busy", 2 * SECOND - 1, touched -> 2 * SECOND - 1); // sweeps: nothing forgettable yet
        states.update("busy", 2 * SECOND, touched -> 2 * SECOND); // not a second since the last sweep
        assertThat(states.size()).isEqualTo(101);

        states.update("busy", 3 * SECOND, touched -> 3 * SECOND);
        assertThat(states.size()).isEqualTo(1);
        assertThat(states.get("busy")).isEqualTo(3 * SECOND);
    }

    @Test
    void aNullResultForgetsAndUpdateIfPresentCreatesNothing() {
        AddressStates<String> states = new AddressStates<>((state, now) -> false, 0);

        states.updateIfPresent("a", state -> "created");
        assertThat(states.get("a")).isNull();
        states.update("a", 0, state -> state == null ? "first" : state + " again");
        states.updateIfPresent("a", state -> state + " again");
        assertThat(states.get("a")).isEqualTo("first again");
        states.update("a", 0, state -> null);
        assertThat(states.size()).isZero();
    }
}
