using System.CommandLine;

namespace GpuPool.Cli;

/// <summary>Runs a verb's body with its settings and output, turning exceptions into messages on stderr and exit codes.</summary>
internal sealed class VerbRunner(CommonOptions options, CliEnvironment environment)
{
    public CliEnvironment Environment => environment;

    /// <summary>Sets <paramref name="body"/> as the action of <paramref name="command"/>.</summary>
    public Command Bind(Command command, Func<ParseResult, CliInvocation, CancellationToken, Task<int>> body)
    {
        command.SetAction((parse, cancellationToken) => RunAsync(parse, body, cancellationToken));
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, Func<ParseResult, CliInvocation, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var output = new CliOutput(environment, parse.GetValue(options.Output));
        try
        {
            var settings = CliSettings.Load(parse, options, environment);
            using var invocation = new CliInvocation(environment, settings, output);
            return await body(parse, invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var code = ErrorExitCodes.For(ex);
            output.Error(ErrorExitCodes.Message(ex), code);
            return code;
        }
    }
}
