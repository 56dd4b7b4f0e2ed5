namespace GpuPool.Runtime.Isolation;

/// <summary>Finds the <c>dotnet</c> host that runs this process, to start workers with the same runtime.</summary>
internal static class DotnetHost
{
    private static readonly Lazy<string> Resolved = new(Resolve);

    public static string Path => Resolved.Value;

    private static string Resolve()
    {
        var current = Environment.ProcessPath;
        if (current is not null && System.IO.Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll
        var runtimeDirectory = System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (runtimeDirectory is not null)
        {
            var root = Directory.GetParent(runtimeDirectory)?.Parent?.Parent?.FullName;
            var candidate = root is null ? null : System.IO.Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (candidate is not null && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "dotnet";
    }
}
