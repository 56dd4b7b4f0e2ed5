using System.CommandLine;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cli.Commands;

/// <summary><c>gpupool drain DEVICE [--node N]</c> and <c>gpupool undrain DEVICE [--node N]</c> (admin keys).</summary>
internal static class DrainCommand
{
    public static Command Create(VerbRunner verbs, bool draining)
    {
        var device = new Argument<string>("device") { Description = "The device id (as in 'gpupool status')." };
        var node = new Option<string?>("--node", "-n") { Description = "The device's node; needed only when several nodes have a device of that id." };
        var command = draining
            ? new Command("drain", "Stop new leases on a device; leases on it stay until they end (admin keys).") { device, node }
            : new Command("undrain", "Take new leases on a drained device again (admin keys).") { device, node };
        return verbs.Bind(command, async (parse, cli, cancellationToken) =>
        {
            var connection = cli.Connection;
            var id = parse.GetValue(device)!;
            var nodeName = parse.GetValue(node);
            if (nodeName is null)
            {
                var inventory = await connection.Admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                var nodes = inventory.Devices.Where(d => d.Device.Id == id).Select(d => d.Device.Node).Distinct().ToList();
                nodeName = nodes.Count switch
                {
                    0 => throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.NotFound, $"Device '{id}' is not in the inventory.")),
                    1 => nodes[0],
                    _ => throw new CliUsageException($"Device '{id}' is on several nodes ({string.Join(", ", nodes)}): name one with --node."),
                };
            }

            await connection.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = nodeName, DeviceId = id, Draining = draining }, connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            if (cli.Output.IsJson)
            {
                cli.Output.WriteJson(new { node = nodeName, device = id, draining });
            }
            else
            {
                cli.Output.WriteLine($"{nodeName}/{id}: {(draining ? "draining (no new leases)" : "open")}");
            }

            return ExitCodes.Success;
        });
    }
}
