using System.Diagnostics;
using GpuPool.Diagnostics;
using GpuPool.Server.Tests.Integration;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Tracing;

/// <summary>
/// One trace shows the client and the server: the W3C context travels with the calls. Not run in parallel with other
/// tests: the tracer listens on the shared source names and would record other tests' servers too.
/// </summary>
[Collection(MetricsTestGroup.Name)]
public sealed class TraceContextTests(ITestOutputHelper output)
{
    private static readonly ActivitySource TestSource = new("GpuPool.Server.Tests.Tracing");

    [Fact]
    public async Task LeaseAndRun_Traced_ClientAndServerSpansShareOneTraceId()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TestSource.Name, GpuPoolInstruments.SdkMeter, GpuPoolInstruments.ServerMeter, GpuPoolInstruments.RuntimeMeter)
            .AddProcessor(new LockedSpanList(spans))
            .Build();
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await KeepAliveTests.WaitForSession(pool);

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test"))
        {
            traceId = root!.TraceId;
            await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
            await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)));
            await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });
        }

        // The server may end its Run span just after the client has the response.
        await Signals.Until(() =>
        {
            lock (spans)
            {
                return spans.Exists(s => s.TraceId == traceId && s.Source.Name == GpuPoolInstruments.ServerMeter && s.DisplayName == "gpupool.v1.Inference/Run");
            }
        });
        List<Activity> trace;
        lock (spans)
        {
            trace = spans.Where(s => s.TraceId == traceId).ToList();
        }

        foreach (var span in trace)
        {
            output.WriteLine($"{span.Source.Name} {span.DisplayName} {span.Kind} parent {span.ParentSpanId}");
        }

        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.SdkMeter && s.DisplayName == GpuPoolInstruments.AcquireSpan && s.Kind == ActivityKind.Client);
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.ServerMeter && s.DisplayName == "gpupool.v1.Leases/Acquire" && s.Kind == ActivityKind.Server);
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.RuntimeMeter && s.DisplayName == GpuPoolInstruments.PlacementSpan);
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.SdkMeter && s.DisplayName == GpuPoolInstruments.LoadSpan);
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.SdkMeter && s.DisplayName == GpuPoolInstruments.RunSpan);
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.ServerMeter && s.DisplayName == "gpupool.v1.Inference/Run");
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.RuntimeMeter && s.DisplayName == GpuPoolInstruments.QueueWaitSpan);
        Assert.Contains(trace, s => s.Source.Name == GpuPoolInstruments.RuntimeMeter && s.DisplayName == GpuPoolInstruments.ExecuteSpan);
    }
}
