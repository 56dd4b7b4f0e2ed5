using System.Buffers;
using System.Text;
using System.Text.Json;
using GpuPool.Cluster.Nodes;
using Npgsql;

namespace GpuPool.Cluster.Store;

/// <summary>
/// Commits several new grants in one call and one transaction (<c>gpupool_grant_batch</c>, schema version 4): each
/// checked and granted in order, each with its own outcome. Only for grants that do not depend on the tenant
/// (<see cref="LeaseGrants.DependsOnTenant"/>): no quota, no client request id.
/// </summary>
internal sealed class GrantBatches(NpgsqlDataSource database)
{
    /// <summary>The outcome of each plan, in the plans' order.</summary>
    public async Task<IReadOnlyList<GrantOutcome>> GrantAsync(NodeRegistration writer, IReadOnlyList<GrantPlan> plans, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(plans);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = Sql.Command(
            connection,
            LeaseSql.GrantBatch,
            ("writer", writer.NodeId),
            ("writer_epoch", writer.Epoch),
            ("items", Items(plans)),
            ("full_milli", SliceRequest.FullDeviceMilli));
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var outcomes = new GrantOutcome?[plans.Count];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var item = reader.GetInt32(0);
            var plan = reader.GetBoolean(1) ? plans[item].OnAlternative() : plans[item];
            outcomes[item] = GrantRows.Read(reader, 2, writer, plan, waiterId: null);
        }

        return [.. outcomes.Select((o, i) => o ?? throw new InvalidOperationException($"The grant batch answered nothing for item {i}."))];
    }

    /// <summary>The items as the function reads them: a JSON array, one object per grant.</summary>
    public static string Items(IReadOnlyList<GrantPlan> plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        var buffer = new ArrayBufferWriter<byte>(256 * plans.Count);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var plan in plans)
            {
                json.WriteStartObject();
                json.WriteString("id", plan.LeaseId);
                json.WriteString("tenant", plan.Tenant);
                json.WriteString("node", plan.NodeId);
                WriteDevices(json, "devices", plan.DeviceIds);
                json.WriteNumber("memory", plan.MemoryBytes);
                json.WriteNumber("milli", plan.Milli);
                json.WriteNumber("cpu", plan.Request.CpuMilli);
                json.WriteNumber("host", plan.Request.HostMemoryBytes);
                json.WriteNumber("priority", (int)plan.Request.Priority);
                json.WriteNumber("ttl_ms", (long)plan.TimeToLive.TotalMilliseconds);
                json.WriteBoolean("whole", plan.WholeDevices);
                json.WriteNumber("isolation", (int)plan.Request.Isolation);
                json.WriteBoolean("hard_cap", plan.Request.HardCap);
                if (plan.Alternative is { } alternative)
                {
                    json.WriteString("alt_node", alternative.NodeId);
                    WriteDevices(json, "alt_devices", alternative.DeviceIds);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteDevices(Utf8JsonWriter json, string name, IReadOnlyList<string> devices)
    {
        json.WriteStartArray(name);
        foreach (var device in devices)
        {
            json.WriteStringValue(device);
        }

        json.WriteEndArray();
    }
}
