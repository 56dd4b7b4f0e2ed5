using System.CommandLine;
using GpuPool.Cli.Commands;

namespace GpuPool.Cli;

/// <summary>The <c>gpupool</c> command tree (System.CommandLine) and how a verb's outcome becomes an exit code.</summary>
internal static class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var options = new CommonOptions();
        var root = new RootCommand("gpupool: see and use a GpuPool server's GPU pool. Results go to stdout, diagnostics to stderr; --output json for scripts.");
        options.AddTo(root);
        var verbs = new VerbRunner(options, environment);
        root.Add(StatusCommand.Create(verbs));
        root.Add(LeasesCommand.Create(verbs));
        root.Add(ModelsCommand.Create(verbs));
        root.Add(DrainCommand.Create(verbs, draining: true));
        root.Add(DrainCommand.Create(verbs, draining: false));
        root.Add(RevokeCommand.Create(verbs));
        root.Add(RunCommand.Create(verbs));

        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            // run handles SIGINT/SIGTERM itself (it forwards them to its program); the other verbs just end.
            ProcessTerminationTimeout = null,
        };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync("gpupool: error: " + error.Message).ConfigureAwait(false);
            }

            await environment.Error.WriteLineAsync("Try 'gpupool --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }
}
