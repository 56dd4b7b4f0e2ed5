using GpuPool.Protocol;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Benchmarks.Soak;

/// <summary>
/// Watches the server with an admin key while the soak runs (granted slices never exceed any device's capacity) and
/// checks the end state after it (every lease released, expired or live; nothing allocated; no model usable after its lease).
/// </summary>
internal sealed class SoakInvariantChecker(V1.Admin.AdminClient admin, V1.Leases.LeasesClient leases, V1.Inference.InferenceClient inference, Metadata adminKey, Metadata clientKey, SoakLedger ledger)
{
    private const int EndStateSample = 2_000;

    public int Samples { get; private set; }

    public async Task WatchAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var inventory = await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), adminKey, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: CancellationToken.None);
            foreach (var device in inventory.Devices)
            {
                if (device.AllocatedMemoryBytes < 0 || device.AllocatedMemoryBytes > device.Device.TotalMemoryBytes)
                {
                    ledger.Violation($"{device.Device.Id}: {device.AllocatedMemoryBytes} bytes allocated of {device.Device.TotalMemoryBytes}");
                }

                if (device.AllocatedMilli < 0 || device.AllocatedMilli > 1000)
                {
                    ledger.Violation($"{device.Device.Id}: {device.AllocatedMilli} milli allocated of 1000");
                }
            }

            Samples++;
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task CheckEndAsync()
    {
        // Abandoned leases expire within their TTL; give the server's expiry timer that long and a second more.
        await Task.Delay(TimeSpan.FromMilliseconds(SoakClient.AbandonedTtlMs + 1_000));
        var byId = ledger.Leases.ToDictionary(l => l.Id, StringComparer.Ordinal);
        foreach (var live in (await admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), adminKey)).Leases)
        {
            ledger.Violation(byId.TryGetValue(live.Id, out var known)
                ? $"lease {live.Id} is still live after the soak ({(known.Abandoned ? "abandoned; its TTL has passed" : "released")})"
                : $"lease {live.Id} is live but no client was granted it");
        }

        var inventory = await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), adminKey);
        foreach (var device in inventory.Devices.Where(d => d.AllocatedMemoryBytes != 0 || d.AllocatedMilli != 0 || d.ActiveLeases != 0))
        {
            ledger.Violation($"{device.Device.Id}: {device.AllocatedMemoryBytes} bytes, {device.AllocatedMilli} milli, {device.ActiveLeases} leases still allocated after every lease ended");
        }

        // The server remembers a bounded number of ended leases; check how the latest ones ended.
        foreach (var lease in ledger.Leases.Reverse().Take(EndStateSample))
        {
            var expected = lease.Abandoned ? LeaseLostReason.Expired : LeaseLostReason.Released;
            var get = await StatusAsync(() => leases.GetAsync(new V1.GetLeaseRequest { LeaseId = lease.Id }, clientKey).ResponseAsync);
            if (get.Code != StatusCode.FailedPrecondition || get.Reason != expected)
            {
                ledger.Violation($"lease {lease.Id}: Get answered {get.Code} (reason {get.Reason}); expected FailedPrecondition ({expected})");
            }

            if (lease.ModelId is not null)
            {
                var run = await StatusAsync(() => inference.RunAsync(new V1.RunRequest { LeaseId = lease.Id, ModelId = lease.ModelId }, clientKey).ResponseAsync);
                if (run.Code == StatusCode.OK)
                {
                    ledger.Violation($"model {lease.ModelId} of ended lease {lease.Id} still runs");
                }
            }
        }
    }

    private static async Task<(StatusCode Code, LeaseLostReason Reason)> StatusAsync(Func<Task> call)
    {
        try
        {
            await call();
            return (StatusCode.OK, LeaseLostReason.None);
        }
        catch (RpcException ex)
        {
            var reason = int.TryParse(ex.Trailers.GetValue(ErrorKinds.LostReasonTrailer), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var r) ? (LeaseLostReason)r : LeaseLostReason.None;
            return (ex.StatusCode, reason);
        }
    }
}
