using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace GpuPool.Cli;

/// <summary>Writes results on stdout (Spectre.Console tables, or one JSON document) and diagnostics on stderr.</summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly JsonSerializerOptions CompactJson = new(Json) { WriteIndented = false };

    private readonly CliEnvironment _environment;

    public CliOutput(CliEnvironment environment, OutputFormat format)
    {
        _environment = environment;
        Format = format;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(environment.Out),
            Ansi = environment.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = environment.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        Diagnostics = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(environment.Error),
            Ansi = environment.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = environment.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = environment.Interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    public OutputFormat Format { get; }

    public bool IsJson => Format == OutputFormat.Json;

    /// <summary>stdout, for tables.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>stderr, for progress.</summary>
    public IAnsiConsole Diagnostics { get; }

    /// <summary>Writes <paramref name="value"/> as the command's JSON result on stdout.</summary>
    public void WriteJson<T>(T value) => _environment.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>A line for people on stdout (text output only).</summary>
    public void WriteLine(string text) => _environment.Out.WriteLine(text);

    /// <summary>A diagnostic line on stderr (JSON object per line with <c>--output json</c>).</summary>
    public void Note(string message)
    {
        if (IsJson)
        {
            _environment.Error.WriteLine(JsonSerializer.Serialize(new { note = message }, CompactJson));
        }
        else
        {
            _environment.Error.WriteLine("gpupool: " + message);
        }
    }

    /// <summary>A structured event on stderr for <c>run</c> (stdout belongs to the program).</summary>
    public void Event<T>(T value)
    {
        if (IsJson)
        {
            _environment.Error.WriteLine(JsonSerializer.Serialize(value, CompactJson));
        }
    }

    /// <summary>An error on stderr; with JSON output also as <c>{"error": ..., "exitCode": ...}</c>.</summary>
    public void Error(string message, int exitCode)
    {
        if (IsJson)
        {
            _environment.Error.WriteLine(JsonSerializer.Serialize(new { error = message, exitCode }, CompactJson));
        }
        else
        {
            _environment.Error.WriteLine("gpupool: error: " + message);
        }
    }
}
