using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Spectre.Console;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cli.Commands;

/// <summary><c>gpupool leases [--tenant T]</c>: live leases (all tenants for admin keys, else the caller's own).</summary>
internal static class LeasesCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant's leases (admin keys)." };
        var command = new Command("leases", "Live leases: tenant, devices, memory and compute, expiry. Admin keys see every tenant's; other keys their own.") { tenant };
        return verbs.Bind(command, async (parse, cli, cancellationToken) =>
        {
            var connection = cli.Connection;
            IEnumerable<V1.Lease> wire;
            try
            {
                var all = await connection.Admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest { Tenant = parse.GetValue(tenant) ?? "" }, connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                wire = all.Leases;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied && parse.GetValue(tenant) is null)
            {
                var own = await connection.Leases.ListAsync(new V1.ListLeasesRequest(), connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                wire = own.Leases;
            }

            var leases = wire.Select(LeaseRow.From).ToList();
            if (cli.Output.IsJson)
            {
                cli.Output.WriteJson(new { leases });
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("lease", "tenant", "devices", "memory", "compute", "priority", "expires");
            foreach (var l in leases)
            {
                table.AddRow(
                    Markup.Escape(l.Id),
                    Markup.Escape(l.Tenant),
                    Markup.Escape(string.Join(", ", l.Devices)),
                    ByteSize.Format(l.MemoryBytes),
                    l.ComputeMilli.ToString(CultureInfo.InvariantCulture),
                    l.Priority,
                    l.ExpiresAt.ToString("u", CultureInfo.InvariantCulture));
            }

            cli.Output.Console.Write(table);
            return ExitCodes.Success;
        });
    }
}
