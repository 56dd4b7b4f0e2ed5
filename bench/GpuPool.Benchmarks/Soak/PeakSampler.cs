namespace GpuPool.Benchmarks.Soak;

/// <summary>Samples the server's RSS every 100 ms and keeps the highest.</summary>
internal sealed class PeakSampler(SoakServerProcess server)
{
    public double PeakMb { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            PeakMb = Math.Max(PeakMb, server.ResidentMegabytes());
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
