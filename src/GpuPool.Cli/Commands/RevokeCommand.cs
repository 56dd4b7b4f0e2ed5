using System.CommandLine;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cli.Commands;

/// <summary><c>gpupool revoke LEASE</c>: takes a lease back; its holder is told at once (admin keys).</summary>
internal static class RevokeCommand
{
    public static Command Create(VerbRunner verbs)
    {
        var lease = new Argument<string>("lease") { Description = "The lease id (as in 'gpupool leases')." };
        var command = new Command("revoke", "Take a lease back now; its holder is told at once and 'gpupool run' stops its program (admin keys). Exit code 6 when no such lease is live.") { lease };
        return verbs.Bind(command, async (parse, cli, cancellationToken) =>
        {
            var connection = cli.Connection;
            var id = parse.GetValue(lease)!;
            var response = await connection.Admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = id }, connection.Options(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            if (cli.Output.IsJson)
            {
                cli.Output.WriteJson(new { lease = id, revoked = response.Revoked });
            }
            else
            {
                cli.Output.WriteLine(response.Revoked ? $"{id}: revoked" : $"{id}: no such live lease");
            }

            return response.Revoked ? ExitCodes.Success : ExitCodes.NotFound;
        });
    }
}
