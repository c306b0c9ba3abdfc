package io.midge.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A Hazelcast {@link ReplicatedMap} without Hazelcast, for the route table's tests: its {@link Map} methods (all the
 * route table uses of it) over plain maps. Writes ({@code put}, {@code remove}) may go to another map than reads, as
 * a replicated map's local copy may not show this node's own writes yet, and may be seen first by a hook (to record
 * them, or to make them wait as a busy partition owner does).
 */
final class FakeReplicatedMap {
    /** Sees a write before it reaches the map, on the thread that makes it. */
    interface WriteHook {
        void writing(String method, Object[] args) throws Exception;
    }

    private FakeReplicatedMap() {
    }

    /** Reads and writes {@code backing}. */
    static ReplicatedMap<String, String> over(Map<String, String> backing) {
        return of(backing, backing, null);
    }

    /** Writes go to {@code writes}, through {@code hook} if there is one; everything else reads {@code reads}. */
    @SuppressWarnings("unchecked")
    static ReplicatedMap<String, String> of(Map<String, String> writes, Map<String, String> reads, WriteHook hook) {
        return (ReplicatedMap<String, String>) Proxy.newProxyInstance(FakeReplicatedMap.class.getClassLoader(),
                new Class<?>[] {ReplicatedMap.class}, (proxy, method, args) -> {
                    String name = method.getName();
                    boolean write = name.equals("put") || name.equals("remove");
                    if (write && hook != null) {
                        hook.writing(name, args);
                    }
                    try {
                        return Map.class.getMethod(name, method.getParameterTypes()).invoke(write ? writes : reads,
                                args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
