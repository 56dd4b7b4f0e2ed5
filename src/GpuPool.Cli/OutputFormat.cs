namespace GpuPool.Cli;

/// <summary>How results are written on stdout.</summary>
internal enum OutputFormat
{
    /// <summary>Tables for people.</summary>
    Text,

    /// <summary>One JSON document for scripts.</summary>
    Json,
}
