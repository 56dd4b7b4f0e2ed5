using System.Globalization;

namespace GpuPool.Benchmarks.Infrastructure;

/// <summary><c>--name value</c> and <c>--flag</c> arguments of a subcommand.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public BenchArgs(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _values[pending] = null;
                }

                pending = arg[2..];
            }
            else if (pending is not null)
            {
                _values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }

        if (pending is not null)
        {
            _values[pending] = null;
        }
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name) ?? fallback;

    public int GetInt(string name, int fallback) =>
        _values.GetValueOrDefault(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double GetDouble(string name, double fallback) =>
        _values.GetValueOrDefault(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
