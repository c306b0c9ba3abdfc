package io.midge.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SCRAM-SHA-256 credential and its place in the password file. */
class ScramCredentialTest {
    @TempDir
    Path dir;

    @Test
    void credentialRoundTripsThroughItsWrittenForm() {
        ScramCredential c = ScramCredential.create("pw".toCharArray(), 5000);
        assertThat(c.encoded()).startsWith("$scram-sha-256$5000$");
        assertThat(ScramCredential.parse(c.encoded()).encoded()).isEqualTo(c.encoded());
    }

    @Test
    void fewerThan4096IterationsAreRaisedTo4096() {
        assertThat(ScramCredential.create("pw".toCharArray(), 1000).iterations()).isEqualTo(4096);
    }

    @Test
    void rfc7677TestVectorVerifies() throws Exception {
        // RFC 7677 section 3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
        byte[] salt = java.util.Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        byte[] salted = ScramCredential.saltedPassword("pencil".toCharArray(), salt, 4096);
        ScramCredential c = new ScramCredential(4096, salt, ScramCredential.sha256(ScramCredential.hmac(salted,
                "Client Key")), ScramCredential.hmac(salted, "Server Key"));
        String authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        byte[] proof = java.util.Base64.getDecoder().decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        assertThat(c.verifies(proof, authMessage)).isTrue();
        assertThat(java.util.Base64.getEncoder().encodeToString(c.serverSignature(authMessage)))
                .isEqualTo("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        proof[0] ^= 1;
        assertThat(c.verifies(proof, authMessage)).isFalse();
    }

    @Test
    void passwordFileKeepsTheCredentialAfterTheHash() throws Exception {
        ScramCredential c = ScramCredential.create("pw".toCharArray(), 4096);
        PasswordFile.empty().with("alice", PasswordHash.create("pw".toCharArray(), 1000), c)
                .with("bob", PasswordHash.create("pw".toCharArray(), 1000)).save(dir.resolve("passwd"));
        PasswordFile read = PasswordFile.load(dir.resolve("passwd"));
        assertThat(read.scramOf("alice").encoded()).isEqualTo(c.encoded());
        assertThat(read.scramOf("bob")).isNull();
        assertThat(read.with("alice", PasswordHash.create("new".toCharArray(), 1000)).scramOf("alice"))
                .as("a new password without SCRAM drops the old credential").isNull();
        assertThat(read.without("alice").scramOf("alice")).isNull();
    }

    @Test
    void wrongCredentialNamesFileLineAndUser() throws Exception {
        String hash = PasswordHash.create("pw".toCharArray(), 1000).encoded();
        Path file = SecuredBroker.write(dir.resolve("passwd"), "alice:" + hash + " $scram-sha-256$4096$AAAA");
        assertThatThrownBy(() -> PasswordFile.load(file)).isInstanceOf(SecurityFileException.class)
                .hasMessage(file + ":1: user 'alice': unknown SCRAM format (expected "
                        + "$scram-sha-256$<iterations>$<salt>$<StoredKey>$<ServerKey>)");
        SecuredBroker.write(file, "# users", "alice:" + hash + " x y");
        assertThatThrownBy(() -> PasswordFile.load(file)).isInstanceOf(SecurityFileException.class)
                .hasMessage(file + ":2: user 'alice': unknown format (expected a hash and at most a SCRAM "
                        + "credential after it, separated by one space)");
    }
}
