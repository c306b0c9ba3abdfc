package io.midge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code midge} command. It does nothing by itself; its subcommands ({@code broker}, {@code pub}, {@code sub},
 * ...) do the work.
 */
@Command(
        name = "midge",
        mixinStandardHelpOptions = true,
        versionProvider = MidgeVersion.class,
        description = "Midge: an MQTT 3.1, 3.1.1 and 5.0 broker, client and tools.",
        subcommands = {CommandLine.HelpCommand.class, BrokerCommand.class, PubCommand.class, SubCommand.class,
                RrCommand.class, PasswdCommand.class, ClientsCommand.class, KickCommand.class,
                RetainedCommand.class, StatsCommand.class})
public final class MidgeCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@link #main} runs it; tests execute it with their own output streams. */
    public static CommandLine commandLine() {
        return new CommandLine(new MidgeCommand());
    }

    /** Without a subcommand there is nothing to do: a usage error, as for an unknown option. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
