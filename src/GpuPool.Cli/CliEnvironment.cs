using System.Collections;

namespace GpuPool.Cli;

/// <summary>What a command reads and writes besides its arguments: stdout (results), stderr (diagnostics), environment variables, the clock.</summary>
internal sealed class CliEnvironment
{
    /// <summary>Results: tables or JSON.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Diagnostics: errors, progress, warnings.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>The environment variables the settings come from.</summary>
    public required IReadOnlyDictionary<string, string> Variables { get; init; }

    /// <summary>True when stderr is a terminal (progress spinners only then).</summary>
    public bool Interactive { get; init; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Whether <c>run</c> handles SIGINT/SIGTERM itself and forwards them to its program (the real process only).</summary>
    public bool HandleSignals { get; init; }

    /// <summary>The process's own streams and variables.</summary>
    public static CliEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string ?? "";
        }

        return new CliEnvironment
        {
            Out = Console.Out,
            Error = Console.Error,
            Variables = variables,
            Interactive = !Console.IsErrorRedirected,
            HandleSignals = true,
        };
    }

    /// <summary>The value of <paramref name="name"/>, or null when unset or empty.</summary>
    public string? Variable(string name) => Variables.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
