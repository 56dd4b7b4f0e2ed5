using GpuPool.Cublas;
using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Devices.Nvidia;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.GpuCheck;

/// <summary>
/// gpu-memory: while another lease keeps running, a lease loads a workload larger than its quota (refused),
/// then one that fits (runs); a request larger than the card is refused; with reservation on, the
/// lease's memory is seen leaving the card's free memory at grant.
/// </summary>
internal static class MemoryCheck
{
    private const double MiB = 1024.0 * 1024.0;

    public static async Task<bool> RunAsync(IServiceProvider services, DeviceDescriptor device, CheckSettings settings)
    {
        var pool = services.GetRequiredService<IGpuPool>();
        var cuda = services.GetRequiredService<CudaDevices>();
        var telemetry = services.GetRequiredService<NvidiaTelemetryService>();
        var context = cuda.Open(device) ?? throw new InvalidOperationException($"No CUDA context for {device.Id}.");
        var quota = ByteSize.MiB(settings.QuotaMiB);
        var smallSize = Math.Min(2048, settings.Size);
        var small = GemmSpec.Create(smallSize, smallSize, smallSize, GemmDataType.Fp32, 4);
        var big = BiggerThan(quota);

        var other = await GemmLoad.StartAsync(pool, 300, small, 1, CancellationToken.None).ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var otherRunning = other.RunAsync(() => true, stop.Token);
        try
        {
            var freeBefore = context.GetMemoryInfo().Free;
            await using var lease = await pool.LeaseAsync(new SliceRequest { MemoryBytes = quota, ComputeMilli = 300 }).ConfigureAwait(false);

            // The telemetry tick is where grant-time reservation happens; take one now rather than wait for it.
            telemetry.SampleNow();
            var reservedObserved = freeBefore - context.GetMemoryInfo().Free;

            string? refusal = null;
            try
            {
                await lease.LoadModelAsync(ModelSource.FromBytes(big.ToBytes(), "too-big"), new ModelOptions { Format = ModelFormat.CublasGemm }).ConfigureAwait(false);
            }
            catch (QuotaExceededException ex)
            {
                refusal = ex.Message;
            }

            var otherRunsAtRefusal = other.Total;
            var fits = await lease.LoadModelAsync(ModelSource.FromBytes(small.ToBytes(), "fits"), new ModelOptions { Format = ModelFormat.CublasGemm }).ConfigureAwait(false);
            var result = await fits.RunAsync(new Dictionary<string, TensorValue>()).ConfigureAwait(false);
            var withinQuotaOk = result["c"].AsSpan<float>()[0] == small.K;

            var overCardRefused = false;
            try
            {
                await using var huge = await pool.LeaseAsync(new SliceRequest { MemoryBytes = device.TotalMemoryBytes + ByteSize.GiB(1), ComputeMilli = 100, WaitTimeout = TimeSpan.Zero }).ConfigureAwait(false);
            }
            catch (InvalidPoolRequestException)
            {
                overCardRefused = true;
            }

            // Let the other lease run on after the refusals, then stop it.
            await Task.Delay(TimeSpan.FromSeconds(settings.RampSeconds)).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await otherRunning.ConfigureAwait(false);
            var othersUnaffected = other.Wrong == 0 && other.Total > otherRunsAtRefusal && other.Lease.LostReason == LeaseLostReason.None;
            var passed = refusal is not null && withinQuotaOk && overCardRefused && othersUnaffected
                && (!settings.Reserve || reservedObserved >= quota);
            JsonLine.Write(w =>
            {
                w.WriteString("bench", "gpu-memory");
                w.WriteNumber("quota_mib", settings.QuotaMiB);
                w.WriteNumber("model_mib", Math.Round(big.DeviceMemoryBytes / MiB));
                w.WriteBoolean("over_quota_refused", refusal is not null);
                w.WriteString("refusal", refusal);
                w.WriteBoolean("within_quota_ok", withinQuotaOk);
                w.WriteBoolean("over_card_refused", overCardRefused);
                w.WriteBoolean("reserve_on_grant", settings.Reserve);
                w.WriteNumber("reserved_mib_observed", Math.Round(reservedObserved / MiB));
                w.WriteBoolean("others_unaffected", othersUnaffected);
                w.WriteNumber("other_runs", other.Total);
                w.WriteNumber("other_runs_after_refusal", other.Total - otherRunsAtRefusal);
                w.WriteNumber("other_wrong_results", other.Wrong);
                w.WriteBoolean("passed", passed);
            });
            return passed;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await otherRunning.ConfigureAwait(false);
            await other.Lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static GemmSpec BiggerThan(long quota)
    {
        for (var n = 1024; ; n += 1024)
        {
            var spec = GemmSpec.Create(n, n, n, GemmDataType.Fp32, 1);
            if (spec.DeviceMemoryBytes > quota)
            {
                return spec;
            }
        }
    }
}
