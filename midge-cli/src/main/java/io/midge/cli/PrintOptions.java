package io.midge.cli;

import picocli.CommandLine.Option;

/** How {@code midge sub} and {@code midge rr} print the messages they receive (-v, -F, -N, --json). */
final class PrintOptions {
    @Option(names = {"-v", "--verbose"}, description = "Print the topic before the payload.")
    boolean verbose;

    @Option(names = {"-F", "--format"}, paramLabel = "FORMAT", description = "Print each message in this format.")
    String format;

    @Option(names = {"-N", "--no-eol"}, description = "No newline after each message.")
    boolean noNewline;

    @Option(names = "--json", description = "One JSON object per message and line.")
    boolean json;

    MessagePrinter printer() {
        return new MessagePrinter(verbose, format, json, !noNewline);
    }
}
