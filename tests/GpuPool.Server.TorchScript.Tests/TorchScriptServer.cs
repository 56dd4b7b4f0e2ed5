using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.TorchScript.Tests;

/// <summary>The server tests' host with the TorchScript add-on, as <c>GpuPool.Server.TorchScript</c>'s Program composes it.</summary>
internal static class TorchScriptServer
{
    public static Task<ServerHost> StartAsync(ITestOutputHelper output, IDictionary<string, string?>? settings = null) =>
        ServerHost.StartAsync(output, settings: settings, services: services => services.AddGpuPoolServerTorchScript());
}
