using Google.Protobuf;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Security;

/// <summary>A whole session of calls, good and bad, with every log category at Trace: no API key appears anywhere in the logs.</summary>
public sealed class ApiKeyLoggingTests
{
    [Fact]
    public async Task WholeSession_IncludingFailures_NeverLogsAnApiKey()
    {
        var logs = new CapturingLoggerProvider();
        const string wrongKey = "gp-wrong-key-that-must-not-be-logged-7f3a";
        await using (var server = await PoolServer.StartAsync(new PoolServerSetup { Logs = logs }))
        {
            using var channel = server.Channel();
            var leases = new V1.Leases.LeasesClient(channel);
            var inference = new V1.Inference.InferenceClient(channel);
            var admin = new V1.Admin.AdminClient(channel);
            var alpha = PoolServer.Key(TestKeys.Alpha);

            var lease = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, alpha)).Lease;
            var beta = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, new Metadata { { "authorization", "Bearer " + TestKeys.Beta } })).Lease;
            using (var upload = inference.LoadModel(alpha))
            {
                await upload.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id, TotalBytes = HostileContext.ModelBytes.Length } });
                await upload.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(HostileContext.ModelBytes) });
                await upload.RequestStream.CompleteAsync();
                var model = await upload;
                await inference.RunAsync(HostileContext.RunRequest(lease, model), alpha);
                await HostileContext.StatusOf(() => inference.RunAsync(HostileContext.RunRequest(lease, model, HostileContext.FloatTensor([1, 9], new float[9])), alpha).ResponseAsync);
            }

            using (var session = leases.Session(alpha))
            {
                await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = 1, Attach = new V1.Attach { LeaseIds = { lease.Id, beta.Id } } });
                await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = 2, Ping = new V1.Ping() });
                await session.RequestStream.CompleteAsync();
                while (await session.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }

            Assert.Equal(StatusCode.Unauthenticated, await HostileContext.StatusOf(() => leases.ListAsync(new V1.ListLeasesRequest(), PoolServer.Key(wrongKey)).ResponseAsync));
            Assert.Equal(StatusCode.Unauthenticated, await HostileContext.StatusOf(() => leases.ListAsync(new V1.ListLeasesRequest(), new Metadata { { "authorization", "Bearer " + wrongKey } }).ResponseAsync));
            Assert.Equal(StatusCode.PermissionDenied, await HostileContext.StatusOf(() => leases.GetAsync(new V1.GetLeaseRequest { LeaseId = beta.Id }, alpha).ResponseAsync));
            Assert.Equal(StatusCode.PermissionDenied, await HostileContext.StatusOf(() => admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), alpha).ResponseAsync));
            Assert.Equal(StatusCode.OK, await HostileContext.StatusOf(() => admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = beta.Id }, PoolServer.Key(TestKeys.Admin)).ResponseAsync));
            Assert.Equal(StatusCode.InvalidArgument, await HostileContext.StatusOf(() => leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice(milli: -1) }, alpha).ResponseAsync));
            await leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, alpha);
        }

        var entries = logs.Entries.ToList();
        Assert.Contains(entries, e => e.Text.Contains("unknown API key", StringComparison.Ordinal));
        Assert.True(entries.Count > 20, $"only {entries.Count} log entries were captured");
        foreach (var key in TestKeys.All.Append(wrongKey))
        {
            Assert.DoesNotContain(entries, e => e.Text.Contains(key, StringComparison.Ordinal));
        }
    }
}
