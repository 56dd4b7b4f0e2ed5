using System.CommandLine;
using Spectre.Console;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cli.Commands;

/// <summary><c>gpupool models [--tenant T]</c>: models loaded into live leases (admin keys).</summary>
internal static class ModelsCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant's models." };
        var command = new Command("models", "Models loaded into live leases: id, name, content hash, memory charged, lease, tenant, device (admin keys).") { tenant };
        return verbs.Bind(command, async (parse, cli, cancellationToken) =>
        {
            var connection = cli.Connection;
            var response = await connection.Admin.ListModelsAsync(new V1.ListModelsRequest { Tenant = parse.GetValue(tenant) ?? "" }, connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            var models = response.Models.Select(m => new
            {
                id = m.Model.Id,
                name = m.Model.Name,
                sha256 = m.Model.Sha256,
                format = m.Model.Format.ToString(),
                memoryBytes = m.Model.MemoryBytes,
                leaseId = m.Model.LeaseId,
                tenant = m.Tenant,
                device = $"{m.Node}/{m.DeviceId}",
            }).ToList();
            if (cli.Output.IsJson)
            {
                cli.Output.WriteJson(new { models });
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("model", "name", "sha256", "memory", "lease", "tenant", "device");
            foreach (var m in models)
            {
                table.AddRow(Markup.Escape(m.id), Markup.Escape(m.name), m.sha256.Length > 12 ? m.sha256[..12] : m.sha256, ByteSize.Format(m.memoryBytes), Markup.Escape(m.leaseId), Markup.Escape(m.tenant), Markup.Escape(m.device));
            }

            cli.Output.Console.Write(table);
            return ExitCodes.Success;
        });
    }
}
