package io.midge.broker.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, as docs/ARCHITECTURE.md draws it: no package depends on itself through others, dependencies
 * in the broker point one way (transport, protocol, session and routing, persistence), and only the protocol and the
 * transports see a packet.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.midge.broker", "io.midge.codec");
    }

    @Test
    @DisplayName("No package cycle in the broker or the codec (each package, the root ones included, is a slice)")
    void noPackageCycles() {
        slices().matching("io.midge.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    @DisplayName("Nothing in the broker depends on its root package (Broker wires the parts; the parts do not know it)")
    void nothingDependsOnTheRoot() {
        noClasses().that().resideInAPackage("io.midge.broker.*..")
                .should().dependOnClassesThat().resideInAPackage("io.midge.broker")
                .check(main);
    }

    @Test
    @DisplayName("Packets stay in the protocol and the transports: nothing below them sees one")
    void packetsStayAbove() {
        noClasses().that().resideInAnyPackage("io.midge.broker.session..", "io.midge.broker.routing..",
                        "io.midge.broker.persistence..", "io.midge.broker.security..", "io.midge.broker.limits..",
                        "io.midge.broker.metrics..", "io.midge.broker.config..", "io.midge.broker.sys..")
                .should().dependOnClassesThat().resideInAPackage("io.midge.codec.packet..")
                .check(main);
    }

    @Test
    @DisplayName("Dependencies point one way: transport -> protocol -> session/routing -> persistence")
    void layersPointOneWay() {
        noClasses().that().resideInAnyPackage("io.midge.broker.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.transport..")
                .check(main);
        noClasses().that().resideInAnyPackage("io.midge.broker.session..", "io.midge.broker.routing..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.protocol..",
                        "io.midge.broker.transport..")
                .check(main);
        noClasses().that().resideInAnyPackage("io.midge.broker.routing..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.session..")
                .check(main);
        // The $SYS publisher is a client of the router, as wills are: it reads sessions and counters, no connection.
        noClasses().that().resideInAnyPackage("io.midge.broker.sys..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.protocol..",
                        "io.midge.broker.transport..")
                .check(main);
        noClasses().that().resideInAnyPackage("io.midge.broker.persistence..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.session..",
                        "io.midge.broker.routing..", "io.midge.broker.protocol..", "io.midge.broker.transport..")
                .check(main);
    }

    @Test
    @DisplayName("The cluster sits beside the protocol: it uses sessions, routing, store, config, metrics and the "
            + "enhanced-authentication hook and the limits' availability; only Broker wires it, and nothing else touches it or Hazelcast")
    void clusterStaysApart() {
        // Its links speak MQTT with the codec on their own (the client end), so it needs no connection of ours.
        noClasses().that().resideInAnyPackage("io.midge.broker.cluster..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.protocol..",
                        "io.midge.broker.transport..", "io.midge.broker.http..", "io.midge.broker.sys..")
                .check(main);
        noClasses().that().resideInAPackage("io.midge.broker.*..").and()
                .resideOutsideOfPackage("io.midge.broker.cluster..")
                .should().dependOnClassesThat().resideInAPackage("io.midge.broker.cluster..")
                .check(main);
        // No Hazelcast class on the publish path, nor anywhere but the cluster: a broker without cluster: loads none.
        noClasses().that().resideOutsideOfPackage("io.midge.broker.cluster..")
                .should().dependOnClassesThat().resideInAPackage("com.hazelcast..")
                .check(main);
    }

    @Test
    @DisplayName("Bridges sit beside the protocol, as the cluster does: they use sessions, routing, config and the "
            + "ACL; only Broker wires them, and nothing else touches them")
    void bridgesStayApart() {
        // Their links speak MQTT with the codec on their own (the client end), so they need no connection of ours.
        noClasses().that().resideInAnyPackage("io.midge.broker.bridge..")
                .should().dependOnClassesThat().resideInAnyPackage("io.midge.broker.protocol..",
                        "io.midge.broker.transport..", "io.midge.broker.http..", "io.midge.broker.sys..",
                        "io.midge.broker.cluster..")
                .check(main);
        noClasses().that().resideInAPackage("io.midge.broker.*..").and()
                .resideOutsideOfPackage("io.midge.broker.bridge..")
                .should().dependOnClassesThat().resideInAPackage("io.midge.broker.bridge..")
                .check(main);
    }
}
