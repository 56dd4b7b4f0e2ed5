using System.Text.RegularExpressions;

namespace GpuPool.Client.Routing.Tests.Support;

/// <summary>
/// The configuration keys a deployment sets through environment variables (<c>Section__Key</c>): the env entries
/// and ConfigMap data of rendered manifests, and <c>KEY=value</c> lines of environment files and systemd units.
/// </summary>
internal static partial class ConfigurationKeys
{
    public static IEnumerable<KeyValuePair<string, string?>> FromManifests(string yaml)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (EnvEntry().Match(lines[i]) is { Success: true } env)
            {
                var value = i + 1 < lines.Length && EnvValue().Match(lines[i + 1]) is { Success: true } v ? v.Groups["value"].Value : "from-a-reference";
                yield return Key(env.Groups["key"].Value, value);
            }
            else if (DataEntry().Match(lines[i]) is { Success: true } data)
            {
                yield return Key(data.Groups["key"].Value, data.Groups["value"].Value);
            }
        }
    }

    public static IEnumerable<KeyValuePair<string, string?>> FromEnvironmentFile(string text) =>
        text.Split('\n')
            .Select(l => Assignment().Match(l))
            .Where(m => m.Success)
            .Select(m => Key(m.Groups["key"].Value, m.Groups["value"].Value));

    private static KeyValuePair<string, string?> Key(string variable, string value) =>
        new(variable.Replace("__", ":", StringComparison.Ordinal), value.Trim().Trim('"'));

    [GeneratedRegex(@"^\s*- name: (?<key>[A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+)\s*$")]
    private static partial Regex EnvEntry();

    [GeneratedRegex(@"^\s*value: (?<value>.*)$")]
    private static partial Regex EnvValue();

    [GeneratedRegex(@"^\s+(?<key>[A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+): (?<value>.*)$")]
    private static partial Regex DataEntry();

    [GeneratedRegex(@"^(?:Environment=)?(?<key>[A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+)=(?<value>.*)$")]
    private static partial Regex Assignment();
}
