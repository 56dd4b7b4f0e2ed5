namespace GpuPool.Server.HostileTests;

/// <summary>
/// The entry point of this assembly when it runs as a process of its own: <c>hold-leases</c> makes it the
/// client of the client-kill test (<see cref="Faults.LeaseHolder"/>); the API key comes in the
/// <c>GPUPOOL_TEST_API_KEY</c> environment variable, never on the command line. The test runner does not use it.
/// </summary>
internal static class LeaseHolderProgram
{
    public const string KeyVariable = "GPUPOOL_TEST_API_KEY";

    public static async Task<int> Main(string[] args)
    {
        if (args is ["hold-leases", var server, var count, var ttlMs])
        {
            var key = Environment.GetEnvironmentVariable(KeyVariable) ?? "";
            return await Faults.LeaseHolder.RunAsync(new Uri(server), key, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), long.Parse(ttlMs, System.Globalization.CultureInfo.InvariantCulture));
        }

        await Console.Error.WriteLineAsync("usage: GpuPool.Server.HostileTests hold-leases <server> <count> <ttl-ms>");
        return 2;
    }
}
