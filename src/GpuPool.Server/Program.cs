using GpuPool.Server;

await GpuPoolServerApp.Build(args).RunAsync().ConfigureAwait(false);
