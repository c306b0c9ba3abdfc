package io.midge.broker.persistence;

import static io.midge.broker.persistence.Samples.message;
import static io.midge.broker.persistence.Samples.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** The store never starts empty over data it cannot read, and never shares a directory with another broker. */
class StoreSafetyTest {
    private static final String WHAT_TO_DO = "Move the directory away to start empty, or restore a backup";

    @TempDir
    Path temp;

    /** A store with one retained message in it, closed. */
    private Path storeWithData() {
        Path dir = temp.resolve("data");
        try (RocksDbPersistence store = Samples.open(dir)) {
            store.recover();
            Samples.write(store, store.batch("p").putRetained(message("t", "x")).putSession(session("c")));
        }
        return dir;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aMissingDirectoryIsCreatedWithANewStore() {
        Path dir = temp.resolve("a/b/data");
        try (RocksDbPersistence store = Samples.open(dir)) {
            assertThat(store.recover()).isEqualTo(RecoveredState.EMPTY);
        }
        assertThat(dir.resolve("CURRENT")).exists();
    }

    @Test
    void anExistingStoreOpensWithItsData() {
        Path dir = storeWithData();
        try (RocksDbPersistence store = Samples.open(dir)) {
            assertThat(store.recover().retained()).hasSize(1);
        }
    }

    @Test
    void aGarbledCurrentFileStopsTheStartWithWhatToDo() throws IOException {
        Path dir = storeWithData();
        Files.write(dir.resolve("CURRENT"), "garbage\n".getBytes());
        assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining(WHAT_TO_DO);
        assertThat(Files.readString(dir.resolve("CURRENT"))).isEqualTo("garbage\n"); // left as it was
    }

    @Test
    void aGarbledManifestStopsTheStartWithWhatToDo() throws IOException {
        Path dir = storeWithData();
        byte[] garbage = new byte[256];
        new java.util.Random(4).nextBytes(garbage);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path manifest : files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).toList()) {
                Files.write(manifest, garbage);
            }
        }
        assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining(WHAT_TO_DO);
    }

    @Test
    void aStoreMissingItsCurrentFileIsNotTakenForAnEmptyDirectory() throws IOException {
        Path dir = storeWithData();
        Files.delete(dir.resolve("CURRENT"));
        List<String> before = listing(dir);
        assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("no CURRENT file")
                .hasMessageContaining("does not start empty over existing data");
        assertThat(listing(dir)).isEqualTo(before); // nothing created over it
    }

    @Test
    void aDirectoryOfOtherFilesIsRefused() throws IOException {
        Path dir = temp.resolve("photos");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("holiday.jpg"), "not a store");
        assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining(WHAT_TO_DO);
        assertThat(listing(dir)).containsExactly("holiday.jpg");
    }

    @Test
    void aFileInPlaceOfTheDirectoryIsRefused() throws IOException {
        Path file = Files.writeString(temp.resolve("data"), "x");
        assertThatThrownBy(() -> Samples.open(file)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("is not a directory");
    }

    @Test
    void aRocksDbStoreOfSomeoneElseIsRefused() throws Exception {
        Path dir = temp.resolve("foreign");
        RocksDB.loadLibrary();
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put("their-key".getBytes(), "their-value".getBytes());
        }
        assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("not a Midge store");
    }

    @Test
    void aStoreOfAnotherFormatVersionIsRefused() throws Exception {
        Path dir = storeWithData();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put(Keys.FORMAT, Values.formatVersion(StoreDirectory.FORMAT_VERSION + 1));
        }
        assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("format version " + (StoreDirectory.FORMAT_VERSION + 1));
    }

    @Test
    void aDamagedRecordStopsRecoveryWithWhatToDo() throws Exception {
        Path dir = storeWithData();
        try (Options o = new Options(); RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put(Keys.session("c"), new byte[0]);
        }
        try (RocksDbPersistence store = Samples.open(dir)) {
            assertThatThrownBy(store::recover).isInstanceOf(PersistenceException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("damaged record")
                    .hasMessageContaining(WHAT_TO_DO);
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefusedUntilTheFirstCloses() {
        Path dir = storeWithData();
        try (RocksDbPersistence first = Samples.open(dir)) {
            assertThatThrownBy(() -> Samples.open(dir)).isInstanceOf(PersistenceException.class)
                    .hasMessageContaining(dir.toString()).hasMessageContaining("already in use by another broker");
            assertThat(first.recover().retained()).hasSize(1); // the first one is unharmed
        }
        try (RocksDbPersistence again = Samples.open(dir)) {
            assertThat(again.recover().retained()).hasSize(1);
        }
    }
}
