using System.Globalization;

namespace GpuPool.Benchmarks.Trace;

/// <summary>The published table (<c>fgd-paper-unallocated-at-100pct.csv</c>): mean unallocated % per workload and policy.</summary>
internal static class PublishedResults
{
    public static IReadOnlyDictionary<(string Workload, string Policy), double> Load(string traceDir)
    {
        var path = Path.Combine(traceDir, "fgd-paper-unallocated-at-100pct.csv");
        var table = new Dictionary<(string, string), double>();
        if (!File.Exists(path))
        {
            return table;
        }

        foreach (var row in TraceCsv.Read(path))
        {
            table[(row["workload"], row["policy"].ToUpperInvariant())] = double.Parse(row["unalloc_pct_at_100_mean"], CultureInfo.InvariantCulture);
        }

        return table;
    }

    public static double? Find(IReadOnlyDictionary<(string Workload, string Policy), double> table, string workload, string policy) =>
        table.TryGetValue((workload, TracePolicies.PublishedName(policy).ToUpperInvariant()), out var value) ? value : null;
}
