using GpuPool.Server;
using Microsoft.Extensions.DependencyInjection;

// The plain server plus TorchScript models (GpuPoolServer:TorchScript, on by default).
await GpuPoolServerApp.Build(args, builder => builder.Services.AddGpuPoolServerTorchScript()).RunAsync().ConfigureAwait(false);
