using System.Diagnostics;
using System.Threading.Channels;
using GpuPool.Cli.Running;

namespace GpuPool.Cli.Tests.Support;

/// <summary>The real gpupool process (gpupool.dll from the CLI's output folder), its stdout read line by line as it comes.</summary>
internal sealed class GpupoolProcess : IDisposable
{
    public static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly Task<string> _stderr;

    private GpupoolProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    /// <summary>Every stdout line read so far.</summary>
    public IReadOnlyList<string> Lines => _seen;

    public static GpupoolProcess Start(Uri server, string apiKey, params string[] args)
    {
        // As a user's terminal starts it: a test run started in the background (CI, nohup, `&` in a script) has
        // SIGINT ignored, which gpupool and its program would inherit and keep (POSIX), so Ctrl-C could not be tested.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // A pipe the test holds: a program that reads stdin waits until the test closes it.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        info.ArgumentList.Add(CliAssembly());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["GPUPOOL_SERVER"] = server.ToString();
        info.Environment["GPUPOOL_API_KEY"] = apiKey;
        return new GpupoolProcess(Process.Start(info)!);
    }

    /// <summary>
    /// gpupool as built in its own output folder (same configuration as the tests): the tests' folder lacks what the
    /// tool ships, because the tests get it from the ASP.NET Core shared framework instead.
    /// </summary>
    private static string CliAssembly()
    {
        var tests = AppContext.BaseDirectory;
        var marker = Path.Combine("tests", "GpuPool.Cli.Tests") + Path.DirectorySeparatorChar;
        var index = tests.LastIndexOf(marker, StringComparison.Ordinal);
        return Path.Combine(tests[..index], "src", "GpuPool.Cli", tests[(index + marker.Length)..], "gpupool.dll");
    }

    /// <summary>The first stdout line (from now on) that satisfies <paramref name="match"/>.</summary>
    public async Task<string> LineAsync(Func<string, bool> match)
    {
        using var ceiling = new CancellationTokenSource(Ceiling);
        await foreach (var line in _lines.Reader.ReadAllAsync(ceiling.Token))
        {
            _seen.Add(line);
            if (match(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"gpupool's stdout ended without the line; it wrote: {string.Join(" | ", _seen)}");
    }

    /// <summary>Waits for gpupool to exit; returns its exit code, stdout (all of it) and stderr.</summary>
    public async Task<CliResult> ExitAsync()
    {
        using var ceiling = new CancellationTokenSource(Ceiling);
        try
        {
            await _process.WaitForExitAsync(ceiling.Token);
        }
        catch (OperationCanceledException)
        {
            // Say what was running and how it stood with signals, then stop it: the failure names its cause.
            var tree = ProcessTreeReport.Describe(_process.Id);
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gpupool did not exit within {Ceiling.TotalSeconds:0} s.\nstdout so far: {string.Join(" | ", _seen)}\nstderr: {await _stderr}\nprocesses:\n{tree}");
        }

        await foreach (var line in _lines.Reader.ReadAllAsync(ceiling.Token))
        {
            _seen.Add(line);
        }

        return new CliResult(_process.ExitCode, string.Join('\n', _seen), await _stderr);
    }

    /// <summary>Closes gpupool's stdin, which its program shares: a program blocked reading it goes on.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Sends <paramref name="signal"/> to gpupool itself (not its program).</summary>
    public void Signal(int signal) => NativeSignals.Send(_process.Id, signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
