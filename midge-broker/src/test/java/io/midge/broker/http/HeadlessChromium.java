package io.midge.broker.http;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Headless Chromium driven through the Chrome DevTools Protocol on its WebSocket, with the JDK's WebSocket client and
 * Jackson. One browser serves several tests: each {@link #open} gives a {@link Page} in a browser context of its own
 * (its own cookies and storage, as a private window has), to navigate, evaluate script in, size, screenshot, and to
 * collect what it reports as an error (console errors, uncaught exceptions, failed loads). Debian's {@code chromium}
 * package is enough; no driver binary is downloaded.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final Map<String, Page> pages = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, WebSocket.Builder sockets, URI endpoint) {
        this.process = process;
        this.socket = sockets.buildAsync(endpoint, new Listener()).orTimeout(20, TimeUnit.SECONDS).join();
    }

    /** Chromium's executable on the PATH ({@code chromium}, as Debian names it, or another usual name). */
    static Optional<Path> executable() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                .flatMap(name -> Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, name)))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Starts the browser with a fresh profile in {@code profile}. */
    static HeadlessChromium start(Path executable, Path profile) throws IOException {
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless=new",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--no-first-run",
                "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
                "--password-store=basic"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--no-sandbox"); // Chromium refuses to run as root with its sandbox (CI containers do).
        }
        command.add("about:blank");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile()).start();
        Path active = profile.resolve("DevToolsActivePort");
        try {
            await("Chromium's DevToolsActivePort file").atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("Chromium ended with " + process.exitValue() + ": "
                                    + Files.readString(profile.resolve("chromium.log")));
                        }
                        return Files.exists(active) && Files.readAllLines(active).size() >= 2;
                    });
            List<String> lines = Files.readAllLines(active);
            URI endpoint = URI.create("ws://127.0.0.1:" + lines.get(0).strip() + lines.get(1).strip());
            return new HeadlessChromium(process, HttpClient.newHttpClient().newWebSocketBuilder(), endpoint);
        } catch (RuntimeException | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Opens a page of {@code width x height} in a new browser context, so that no cookie of another page is seen. */
    Page open(int width, int height) {
        String context = call(null, "Target.createBrowserContext", Map.of()).get("browserContextId").asText();
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank", "browserContextId", context))
                .get("targetId").asText();
        String session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .get("sessionId").asText();
        Page page = new Page(context, session);
        pages.put(session, page);
        page.call("Runtime.enable", Map.of());
        page.call("Log.enable", Map.of());
        page.call("Page.enable", Map.of());
        page.viewport(width, height, false);
        return page;
    }

    /** One page (a tab) of its own browser context. */
    final class Page implements AutoCloseable {
        private final String context;
        private final String session;
        private final Map<String, CompletableFuture<JsonNode>> awaited = new ConcurrentHashMap<>();
        private final List<String> errors = new CopyOnWriteArrayList<>();

        private Page(String context, String session) {
            this.context = context;
            this.session = session;
        }

        /** Sizes the viewport as a desktop window or a phone ({@code mobile}: touch, meta viewport honoured). */
        void viewport(int width, int height, boolean mobile) {
            call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                    "deviceScaleFactor", 1, "mobile", mobile));
        }

        /** Loads a page and waits for its load event. */
        void navigate(String url) {
            CompletableFuture<JsonNode> loaded = new CompletableFuture<>();
            awaited.put("Page.loadEventFired", loaded);
            JsonNode answer = call("Page.navigate", Map.of("url", url));
            if (answer.hasNonNull("errorText")) {
                throw new AssertionError("cannot load " + url + ": " + answer.get("errorText").asText());
            }
            loaded.orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        }

        /** Evaluates an expression in the page (awaiting it if it is a promise) and gives back its value as JSON. */
        JsonNode evaluate(String expression) {
            JsonNode answer = call("Runtime.evaluate", Map.of("expression", expression, "awaitPromise", true,
                    "returnByValue", true));
            if (answer.has("exceptionDetails")) {
                throw new AssertionError("the page threw evaluating " + expression + ": " + describe(
                        answer.get("exceptionDetails")));
            }
            JsonNode value = answer.path("result").path("value");
            return value.isMissingNode() ? JSON.nullNode() : value;
        }

        /** Waits until a script expression is true in the page. */
        void waitFor(String what, String expression, Duration atMost) {
            await(what).atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .until(() -> evaluate("!!(" + expression + ")").asBoolean());
        }

        /** Saves a PNG of the viewport. */
        void screenshot(Path file) throws IOException {
            String data = call("Page.captureScreenshot", Map.of("format", "png")).get("data").asText();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(data));
        }

        /** What the page has reported as errors so far: console.error, uncaught exceptions, failed loads. */
        List<String> errors() {
            return List.copyOf(errors);
        }

        private JsonNode call(String method, Map<String, ?> params) {
            return HeadlessChromium.this.call(session, method, params);
        }

        private void event(String method, JsonNode params) {
            switch (method) {
                case "Runtime.consoleAPICalled" -> {
                    String type = params.path("type").asText();
                    if (type.equals("error") || type.equals("assert")) {
                        StringBuilder line = new StringBuilder("console." + type + ":");
                        params.path("args").forEach(arg -> line.append(' ').append(
                                arg.has("value") ? arg.get("value").asText() : arg.path("description").asText()));
                        errors.add(line.toString());
                    }
                }
                case "Runtime.exceptionThrown" -> errors.add("uncaught: " + describe(params.path("exceptionDetails")));
                case "Log.entryAdded" -> {
                    JsonNode entry = params.path("entry");
                    if (entry.path("level").asText().equals("error")) {
                        errors.add(entry.path("source").asText() + ": " + entry.path("text").asText() + " "
                                + entry.path("url").asText(""));
                    }
                }
                default -> {
                    CompletableFuture<JsonNode> waiting = awaited.remove(method);
                    if (waiting != null) {
                        waiting.complete(params);
                    }
                }
            }
        }

        /** Closes the page and forgets its context (cookies included). */
        @Override
        public void close() {
            pages.remove(session);
            HeadlessChromium.this.call(null, "Target.disposeBrowserContext", Map.of("browserContextId", context));
        }
    }

    private JsonNode call(String sessionId, String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        synchronized (socket) {
            socket.sendText(message.toString(), true).join();
        }
        return answer.orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    private void received(String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable DevTools message", e);
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> answer = calls.remove(message.get("id").asInt());
            if (answer == null) {
                return;
            }
            if (message.has("error")) {
                answer.completeExceptionally(new AssertionError("DevTools: " + message.get("error")));
            } else {
                answer.complete(message.path("result"));
            }
            return;
        }
        Page page = pages.get(message.path("sessionId").asText(""));
        if (page != null) {
            page.event(message.path("method").asText(), message.path("params"));
        }
    }

    private static String describe(JsonNode details) {
        JsonNode exception = details.path("exception");
        String text = exception.hasNonNull("description") ? exception.get("description").asText()
                : details.path("text").asText();
        return text + " (" + details.path("url").asText("") + ":" + details.path("lineNumber").asInt() + ")";
    }

    @Override
    public void close() {
        try {
            call(null, "Browser.close", Map.of());
        } catch (RuntimeException ignored) {
            // Closing anyway, below.
        }
        socket.abort();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Puts together the frames of each message (screenshots come in many) and hands the whole on. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                received(message);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            calls.values().forEach(call -> call.completeExceptionally(error));
        }
    }
}
