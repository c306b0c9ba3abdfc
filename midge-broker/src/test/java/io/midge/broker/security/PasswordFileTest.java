package io.midge.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {
    /** The minimum cost keeps the tests fast; the cost is a property of each hash, not of the file. */
    static final int FAST = PasswordHash.MIN_ITERATIONS;

    @TempDir
    Path dir;

    @Test
    void hashRoundTripsThroughItsWrittenForm() {
        PasswordHash hash = PasswordHash.create("s3cret".toCharArray(), FAST);

        PasswordHash read = PasswordHash.parse(hash.encoded());

        assertThat(hash.encoded()).startsWith("$pbkdf2-sha512$1000$");
        assertThat(read).isEqualTo(hash);
        assertThat(read.matches("s3cret".toCharArray())).isTrue();
        assertThat(read.matches("s3cret ".toCharArray())).isFalse();
        assertThat(read.matches("S3cret".toCharArray())).isFalse();
    }

    @Test
    void defaultHashHas210000IterationsA16ByteSaltAndA64ByteHash() {
        PasswordHash hash = PasswordHash.create("pw".toCharArray());

        String[] parts = hash.encoded().split("\\$");
        assertThat(parts[2]).isEqualTo("210000");
        assertThat(java.util.Base64.getDecoder().decode(parts[3])).hasSize(16);
        assertThat(java.util.Base64.getDecoder().decode(parts[4])).hasSize(64);
        assertThat(hash.matches("pw".toCharArray())).isTrue();
    }

    @Test
    void samePasswordGetsADifferentSaltEachTime() {
        PasswordHash a = PasswordHash.create("same".toCharArray(), FAST);
        PasswordHash b = PasswordHash.create("same".toCharArray(), FAST);

        assertThat(a.encoded()).isNotEqualTo(b.encoded());
    }

    @Test
    void nonAsciiPasswordsMatch() {
        PasswordHash hash = PasswordHash.create("grüße-密码".toCharArray(), FAST);

        assertThat(hash.matches("grüße-密码".toCharArray())).isTrue();
        assertThat(hash.matches("grusse-密码".toCharArray())).isFalse();
    }

    @Test
    void toStringHidesTheHash() {
        PasswordHash hash = PasswordHash.create("pw".toCharArray(), FAST);

        assertThat(hash.toString()).doesNotContain(hash.encoded().substring(20));
    }

    @Test
    void saveAndLoadRoundTripKeepingTheOrderOfUsers() throws IOException {
        Path file = dir.resolve("passwd");
        PasswordFile users = PasswordFile.empty()
                .with("carol", PasswordHash.create("c".toCharArray(), FAST))
                .with("alice", PasswordHash.create("a".toCharArray(), FAST))
                .with("dev:42", PasswordHash.create("d".toCharArray(), FAST));

        users.save(file);
        PasswordFile read = PasswordFile.load(file);

        assertThat(read.users()).containsExactly("carol", "alice", "dev:42");
        assertThat(read.hashOf("alice").matches("a".toCharArray())).isTrue();
        assertThat(read.hashOf("dev:42").matches("d".toCharArray())).isTrue();
        assertThat(read.hashOf("bob")).isNull();
        assertThat(Files.readAllLines(file)).hasSize(3).allSatisfy(l -> assertThat(l).contains(":$pbkdf2-sha512$"));
    }

    @Test
    void updatingAUserKeepsTheirPlaceAndDeletingRemovesThem() {
        PasswordFile users = PasswordFile.empty()
                .with("a", PasswordHash.create("1".toCharArray(), FAST))
                .with("b", PasswordHash.create("2".toCharArray(), FAST));

        PasswordFile updated = users.with("a", PasswordHash.create("3".toCharArray(), FAST));
        PasswordFile deleted = updated.without("a");

        assertThat(updated.users()).containsExactly("a", "b");
        assertThat(updated.hashOf("a").matches("3".toCharArray())).isTrue();
        assertThat(users.hashOf("a").matches("1".toCharArray())).as("the original is unchanged").isTrue();
        assertThat(deleted.users()).containsExactly("b");
        assertThat(deleted.without("nobody")).isSameAs(deleted);
    }

    @Test
    void saveReplacesTheFileAtomicallyLeavingNoTemporaryFileAndOwnerOnlyPermissions() throws IOException {
        Path file = dir.resolve("passwd");
        PasswordFile.empty().with("a", PasswordHash.create("1".toCharArray(), FAST)).save(file);
        PasswordFile.load(file).with("b", PasswordHash.create("2".toCharArray(), FAST)).save(file);

        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
        assertThat(PasswordFile.load(file).users()).containsExactly("a", "b");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void saveKeepsThePermissionsOfAFileItReplaces() throws IOException {
        Path file = dir.resolve("passwd");
        Files.writeString(file, "");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

        PasswordFile.empty().with("a", PasswordHash.create("1".toCharArray(), FAST)).save(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
    }

    @Test
    void saveThroughASymbolicLinkReplacesTheFileItPointsAt() throws IOException {
        Path real = dir.resolve("real-passwd");
        Path link = Files.createSymbolicLink(dir.resolve("passwd"), real);
        PasswordFile.empty().with("a", PasswordHash.create("1".toCharArray(), FAST)).save(real);

        PasswordFile.load(link).with("b", PasswordHash.create("2".toCharArray(), FAST)).save(link);

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(PasswordFile.load(real).users()).containsExactly("a", "b");
    }

    @Test
    void blankLinesCommentsAndCarriageReturnsAreIgnored() throws IOException {
        String hash = PasswordHash.create("pw".toCharArray(), FAST).encoded();
        Path file = write("# users\r\n\r\nalice:" + hash + "\r\n   \n# bob:" + hash + "\n");

        PasswordFile users = PasswordFile.load(file);

        assertThat(users.users()).containsExactly("alice");
        assertThat(users.hashOf("alice").matches("pw".toCharArray())).isTrue();
    }

    @Test
    void duplicateUserNamesTheFileAndBothLines() throws IOException {
        String hash = PasswordHash.create("pw".toCharArray(), FAST).encoded();
        Path file = write("alice:" + hash + "\nbob:" + hash + "\n\nalice:" + hash + "\n");

        assertThatThrownBy(() -> PasswordFile.load(file))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(file + ":4: duplicate user 'alice' (first on line 1)");
    }

    @Test
    void lineWithoutAColonIsAnUnknownFormat() throws IOException {
        Path file = write("# users\nalice\n");

        assertThatThrownBy(() -> PasswordFile.load(file))
                .isInstanceOf(SecurityFileException.class)
                .hasMessage(file + ":2: unknown format (expected username:$pbkdf2-sha512$<iterations>$<salt>$<hash>)");
    }

    @Test
    void plainTextOrForeignHashIsAnUnknownFormat() throws IOException {
        Path file = write("alice:$7$101$abc$def\n");

        assertThatThrownBy(() -> PasswordFile.load(file))
                .hasMessage(file + ":1: user 'alice': unknown hash format (expected $pbkdf2-sha512$<iterations>$<salt>$<hash>)");
    }

    @Test
    void badFieldsOfAHashAreNamed() throws IOException {
        String salt = "AAAAAAAAAAAAAAAAAAAAAA==";
        String hash = java.util.Base64.getEncoder().encodeToString(new byte[64]);

        assertThatThrownBy(() -> PasswordFile.load(write("a:$pbkdf2-sha512$many$" + salt + "$" + hash)))
                .hasMessageEndingWith(":1: user 'a': iteration count 'many' is not a number");
        assertThatThrownBy(() -> PasswordFile.load(write("a:$pbkdf2-sha512$10$" + salt + "$" + hash)))
                .hasMessageEndingWith(":1: user 'a': iteration count 10 is outside 1000..10000000");
        assertThatThrownBy(() -> PasswordFile.load(write("a:$pbkdf2-sha512$1000$!!$" + hash)))
                .hasMessageEndingWith(":1: user 'a': salt is not valid base64");
        assertThatThrownBy(() -> PasswordFile.load(write("a:$pbkdf2-sha512$1000$" + salt + "$AAAA")))
                .hasMessageEndingWith(":1: user 'a': hash of 3 bytes is outside 16..128");
        assertThatThrownBy(() -> PasswordFile.load(write(":$pbkdf2-sha512$1000$" + salt + "$" + hash)))
                .hasMessageEndingWith(":1: empty user name");
    }

    @Test
    void invalidUtf8IsNamedWithItsLine() throws IOException {
        Path file = dir.resolve("passwd");
        Files.write(file, new byte[] {'#', '\n', 'a', (byte) 0xC3, '\n'});

        assertThatThrownBy(() -> PasswordFile.load(file)).hasMessage(file + ":2: not valid UTF-8");
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("absent");

        assertThatThrownBy(() -> PasswordFile.load(file))
                .isInstanceOf(SecurityFileException.class)
                .hasMessageStartingWith(file + ": cannot read the password file");
    }

    @Test
    void userNamesThatCannotBeWrittenAreRefused() {
        PasswordHash hash = PasswordHash.create("pw".toCharArray(), FAST);

        assertThatThrownBy(() -> PasswordFile.empty().with("", hash)).hasMessage("the user name is empty");
        assertThatThrownBy(() -> PasswordFile.empty().with("#root", hash))
                .hasMessage("user name '#root' starts with '#', which marks a comment");
        assertThatThrownBy(() -> PasswordFile.empty().with("a\nb", hash))
                .hasMessage("the user name contains a line break");
    }

    private Path write(String text) throws IOException {
        Path file = Files.createTempFile(dir, "passwd", "");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
