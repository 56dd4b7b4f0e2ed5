using System.Globalization;
using Npgsql;

namespace GpuPool.Benchmarks.Cluster;

/// <summary>
/// The CPU time a PostgreSQL has used, read from <c>/proc</c>: the postmaster's own and its reaped children's,
/// plus every live child's (backends, background workers). Zero where <c>/proc</c> cannot be read.
/// </summary>
internal sealed class PostgresCpu(int postmaster)
{
    // USER_HZ: 100 on every Linux the benchmarks run on.
    private const double TicksPerSecond = 100;

    /// <summary>Finds the postmaster of the database the connection string names (the parent of a backend).</summary>
    public static async Task<PostgresCpu> OfAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = (int)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        return new PostgresCpu(Stat(backend) is { } stat ? stat.Parent : 0);
    }

    /// <summary>The CPU time used so far.</summary>
    public TimeSpan Used()
    {
        if (Stat(postmaster) is not { } own)
        {
            return TimeSpan.Zero;
        }

        var ticks = own.Ticks + own.ChildTicks;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat && stat.Parent == postmaster)
            {
                ticks += stat.Ticks;
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private static (int Parent, long Ticks, long ChildTicks)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // After the command name (in parentheses, may hold spaces): state ppid ... utime(14) stime(15) cutime(16) cstime(17).
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }
}
