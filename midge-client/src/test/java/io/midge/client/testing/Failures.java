package io.midge.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.midge.client.MqttClientException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** How the client's futures failed, for assertions on the failure's kind and reason code. */
public final class Failures {
    private Failures() {
    }

    /** The {@link MqttClientException} the future fails with, waiting up to 15 s for it. */
    public static MqttClientException failureOf(CompletableFuture<?> future) {
        try {
            Object result = future.get(15, TimeUnit.SECONDS);
            return fail("expected a failure, got " + result);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(MqttClientException.class);
            return (MqttClientException) e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            return fail("no failure within 15 s", e);
        }
    }
}
