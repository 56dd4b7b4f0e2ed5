using System.Globalization;
using System.Text;

namespace GpuPool.Cli.Tests.Support;

/// <summary>
/// A process and its descendants as Linux's /proc shows them (command line, state, pending, blocked, ignored and
/// caught signals): what a test that waited in vain on a process says about it.
/// </summary>
internal static class ProcessTreeReport
{
    private static readonly string[] Fields = ["State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"];

    public static string Describe(int pid)
    {
        var report = new StringBuilder();
        Describe(pid, 0, report);
        return report.ToString();
    }

    private static void Describe(int pid, int depth, StringBuilder report)
    {
        var root = $"/proc/{pid}";
        try
        {
            var command = File.ReadAllText($"{root}/cmdline").Replace('\0', ' ').Trim();
            var status = File.ReadAllLines($"{root}/status")
                .Where(l => Fields.Any(f => l.StartsWith(f + ":", StringComparison.Ordinal)))
                .Select(l => l.Replace('\t', ' '));
            report.Append(' ', depth * 2).Append(pid.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(command)
                .Append(" [").Append(string.Join("; ", status)).AppendLine("]");
            foreach (var task in Directory.EnumerateDirectories($"{root}/task"))
            {
                foreach (var child in File.ReadAllText($"{task}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    Describe(int.Parse(child, CultureInfo.InvariantCulture), depth + 1, report);
                }
            }
        }
        catch (IOException ex)
        {
            report.Append(' ', depth * 2).Append(pid.ToString(CultureInfo.InvariantCulture)).Append(": ").AppendLine(ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            report.Append(' ', depth * 2).Append(pid.ToString(CultureInfo.InvariantCulture)).Append(": ").AppendLine(ex.Message);
        }
    }
}
