using System.CommandLine;

namespace GpuPool.Cli;

/// <summary>The options every verb takes (recursive on the root command).</summary>
internal sealed class CommonOptions
{
    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = "The pool server: http://host:7070, https://..., or unix:/path/to.sock (else GpuPool:Server, GPUPOOL_SERVER, the profile).",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "The API key (else GPUPOOL_API_KEY, GpuPool:ApiKey / GpuPool:ApiKeyFile, the profile). Prefer the variable: arguments show in ps.",
        Recursive = true,
    };

    public Option<string?> Profile { get; } = new("--profile")
    {
        Description = "A JSON settings file with GpuPool:* keys (else GPUPOOL_PROFILE, else ~/.config/gpupool/profile.json when it exists).",
        Recursive = true,
    };

    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "text (tables) or json (one document on stdout, for scripts).",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Write the client's logs to stderr.",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Add(Server);
        command.Add(ApiKey);
        command.Add(Profile);
        command.Add(Output);
        command.Add(Verbose);
    }
}
