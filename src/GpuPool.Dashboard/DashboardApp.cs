using GpuPool.Dashboard.Auth;
using GpuPool.Dashboard.Diagnostics;
using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace GpuPool.Dashboard;

/// <summary>Builds the dashboard application (<c>Program</c> runs it; tests and the benchmark host it on loopback).</summary>
internal static class DashboardApp
{
    public const string CookieName = "gpupool-dashboard";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var services = builder.Services;
        services.AddOptions<DashboardOptions>().Bind(builder.Configuration.GetSection(DashboardOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PoolDirectory>();
        services.AddSingleton<LeaseCatalogCache>();
        services.AddSingleton<TrendHistory>();
        services.AddSingleton<BusyMeter>();
        services.AddSingleton<PoolMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<PoolMonitor>());
        services.AddSingleton<PoolActions>();
        services.AddSingleton<AdminKeyVerifier>();
        services.AddSingleton<MemoryTicketStore>();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<MemoryTicketStore, IOptions<DashboardOptions>>((cookie, store, options) =>
            {
                cookie.SessionStore = store;
                cookie.ExpireTimeSpan = options.Value.SessionIdleTimeout;
            });
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/Login";
            cookie.LogoutPath = "/Logout";
            cookie.AccessDeniedPath = "/Login";
        });
        services.AddAuthorization();
        services.AddAntiforgery(a =>
        {
            a.Cookie.Name = CookieName + "-csrf";
            a.Cookie.SameSite = SameSiteMode.Strict;
            a.FormFieldName = "__csrf";
        });
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/");
            pages.Conventions.AllowAnonymousToPage("/Login");
        }).AddApplicationPart(typeof(DashboardApp).Assembly);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseStaticFiles(new StaticFileOptions
        {
            // Every asset is inside the assembly: nothing from a CDN, nothing to deploy beside it.
            FileProvider = new EmbeddedFileProvider(typeof(DashboardApp).Assembly, "GpuPool.Dashboard.wwwroot"),
        });
        app.Use(async (context, next) =>
        {
            context.Response.Headers.XFrameOptions = "DENY";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            await next(context).ConfigureAwait(false);
        });
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        var logger = app.Services.GetRequiredService<ILogger<PoolDirectory>>();
        var poolCount = app.Services.GetRequiredService<PoolDirectory>().Pools.Count;
        app.Lifetime.ApplicationStarted.Register(() => DashboardLog.Started(logger, poolCount));
        return app;
    }
}
