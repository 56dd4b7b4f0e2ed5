using GpuPool.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Bulk;

/// <summary>Sets up the bulk run path: its services, its Unix socket, its endpoint and the header that tells clients where it is.</summary>
internal static class BulkRunEndpoints
{
    /// <summary>The gRPC calls whose response headers carry <see cref="BulkRuns.EndpointHeader"/>: the session (the SDK's handshake) and the runs.</summary>
    private static readonly string[] AdvertisedOn = ["/gpupool.v1.Leases/Session", "/gpupool.v1.Inference/Run", "/gpupool.v1.Inference/RunStream"];

    public static IServiceCollection AddBulkRuns(this IServiceCollection services)
    {
        services.AddSingleton<BulkRunStatistics>();
        services.AddSingleton<BulkRunExecutor>();
        services.AddSingleton<BulkRunHandler>();
        services.AddSingleton<BulkTcpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<BulkTcpListener>());
        services.AddSingleton(sp => BulkEndpointAdvert.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<BulkTcpListener>().Port));
        return services;
    }

    /// <summary>Listens on the bulk Unix socket (HTTP/1.1) when the server has a Unix socket and bulk runs are on.</summary>
    public static void Listen(IConfiguration configuration, KestrelServerOptions kestrel)
    {
        if (BulkEndpointAdvert.UnixSocket(configuration) is not { } path)
        {
            return;
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }

        kestrel.ListenUnixSocket(path, o => o.Protocols = HttpProtocols.Http1);
    }

    /// <summary>Maps <see cref="BulkRuns.Path"/> and adds the endpoint header to the session and run calls (nothing when bulk runs are off).</summary>
    public static void Map(WebApplication app)
    {
        var advert = app.Services.GetRequiredService<BulkEndpointAdvert>().Value;
        if (advert is null)
        {
            return;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BulkRunEndpoints).FullName!);
        BulkLog.Endpoints(logger, advert);
        app.Use((context, next) =>
        {
            var path = context.Request.Path.Value;
            if (path is not null && Array.IndexOf(AdvertisedOn, path) >= 0)
            {
                context.Response.Headers[BulkRuns.EndpointHeader] = advert;
            }

            return next(context);
        });
        var handler = app.Services.GetRequiredService<BulkRunHandler>();
        app.MapPost(BulkRuns.Path, handler.HandleAsync);
    }
}
