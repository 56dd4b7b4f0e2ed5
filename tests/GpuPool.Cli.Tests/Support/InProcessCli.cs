namespace GpuPool.Cli.Tests.Support;

/// <summary>Runs gpupool verbs inside the test process with captured stdout and stderr.</summary>
internal static class InProcessCli
{
    public static async Task<CliResult> RunAsync(Uri server, string? apiKey, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["GPUPOOL_SERVER"] = server.ToString() };
        if (apiKey is not null)
        {
            variables["GPUPOOL_API_KEY"] = apiKey;
        }

        var environment = new CliEnvironment { Out = stdout, Error = stderr, Variables = variables };
        var code = await CliApp.RunAsync(args, environment);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}
