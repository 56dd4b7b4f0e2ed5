using System.CommandLine;
using GpuPool.Protocol.Conversion;
using Grpc.Core;
using Spectre.Console;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cli.Commands;

/// <summary><c>gpupool status</c>: the pool's nodes and devices, allocated against total, draining or not.</summary>
internal static class StatusCommand
{
    public static Command Create(VerbRunner verbs) => verbs.Bind(
        new Command("status", "The pool's nodes and devices: memory and compute allocated vs total, leases, draining. Admin keys see the whole pool; other keys the tenant's view."),
        async (_, cli, cancellationToken) =>
        {
            var connection = cli.Connection;
            V1.Inventory wire;
            try
            {
                wire = await connection.Admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                wire = await connection.Leases.GetInventoryAsync(new V1.GetInventoryRequest(), connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            }

            var inventory = WireFormat.FromWire(wire);
            var devices = inventory.Devices.Select(DeviceRow.From).ToList();
            if (cli.Output.IsJson)
            {
                cli.Output.WriteJson(new
                {
                    server = cli.Settings.Pool.Server,
                    takenAt = inventory.TakenAt,
                    nodes = devices.GroupBy(d => d.Node).Select(g => new { node = g.Key, devices = g.ToList() }),
                });
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("node", "device", "model", "memory allocated / total", "compute", "leases", "state");
            foreach (var d in devices)
            {
                table.AddRow(
                    Markup.Escape(d.Node),
                    Markup.Escape(d.Id),
                    Markup.Escape(d.Model),
                    $"{ByteSize.Format(d.AllocatedMemoryBytes)} / {ByteSize.Format(d.TotalMemoryBytes)}",
                    $"{d.AllocatedMilli} / 1000",
                    d.ActiveLeases.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    d.Draining ? "draining" : "open");
            }

            cli.Output.Console.Write(table);
            return ExitCodes.Success;
        });
}
