using GpuPool.Dashboard;

var app = DashboardApp.Build(args);
await using (app.ConfigureAwait(false))
{
    await app.RunAsync().ConfigureAwait(false);
}
