namespace GpuPool.Benchmarks.Cluster;

/// <summary>A measured run of <see cref="AcquireLoad"/>.</summary>
/// <param name="Pairs">Each pair's latency in microseconds, sorted.</param>
/// <param name="Seconds">How long the clients started pairs.</param>
/// <param name="CpuPerPair">CPU microseconds per pair, this process and PostgreSQL together.</param>
/// <param name="PostgresPerPair">PostgreSQL's part of <paramref name="CpuPerPair"/>.</param>
/// <param name="MachineBusy">How busy the whole machine was meanwhile, in percent (other users' load included).</param>
/// <param name="JitMilliseconds">Time this process spent compiling meanwhile (tiered compilation not yet settled).</param>
internal sealed record Window(double[] Pairs, double Seconds, double CpuPerPair, double PostgresPerPair, double MachineBusy, double JitMilliseconds);
