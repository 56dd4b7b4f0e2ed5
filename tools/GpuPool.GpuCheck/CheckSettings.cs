using System.Globalization;
using GpuPool.Cublas;

namespace GpuPool.GpuCheck;

/// <summary>Command-line settings of the GPU check.</summary>
internal sealed record CheckSettings
{
    public string NvmlLibrary { get; init; } = "libnvidia-ml.so.1";

    public string CudaLibrary { get; init; } = "libcuda.so.1";

    public string? CublasLibrary { get; init; }

    /// <summary>Length of the shared phase of the isolation check (at least 10 s for the figures).</summary>
    public double Seconds { get; init; } = 12;

    public double SoloSeconds { get; init; } = 4;

    public int Size { get; init; } = 8192;

    public GemmDataType DataType { get; init; } = GemmDataType.Fp16;

    public int Iterations { get; init; } = 8;

    /// <summary>Runs each lease keeps in flight, so that it is always backlogged.</summary>
    public int Depth { get; init; } = 2;

    public int QuotaMiB { get; init; } = 1024;

    public bool Reserve { get; init; } = true;

    /// <summary>How long loads run before a window is measured (kernels loaded, streams full).</summary>
    public double RampSeconds { get; init; } = 1;

    public static CheckSettings Parse(string[] args)
    {
        var settings = new CheckSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            settings = args[i] switch
            {
                "--nvml" => settings with { NvmlLibrary = Next() },
                "--cuda" => settings with { CudaLibrary = Next() },
                "--cublas" => settings with { CublasLibrary = Next() },
                "--seconds" => settings with { Seconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--solo-seconds" => settings with { SoloSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--size" => settings with { Size = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--dtype" => settings with { DataType = Enum.Parse<GemmDataType>(Next(), ignoreCase: true) },
                "--iterations" => settings with { Iterations = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--depth" => settings with { Depth = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--quota-mib" => settings with { QuotaMiB = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--no-reserve" => settings with { Reserve = false },
                "--ramp-seconds" => settings with { RampSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --nvml --cuda --cublas --seconds --solo-seconds --size --dtype fp32|tf32|fp16|bf16 --iterations --depth --quota-mib --no-reserve --ramp-seconds"),
            };
        }

        return settings;
    }
}
