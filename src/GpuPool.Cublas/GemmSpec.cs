using System.Buffers.Binary;

namespace GpuPool.Cublas;

/// <summary>
/// The "model" of the <see cref="ModelFormat.CublasGemm"/> format: C[m×n] = A[m×k] · B[k×n], column-major,
/// repeated <see cref="Iterations"/> times per run. Its bytes are a 32-byte little-endian header:
/// <c>"GPGEMM\0\0"</c> (8 bytes), version (int32, 1), m, n, k (int32 each), data type (int32,
/// <see cref="GemmDataType"/>), iterations (int32).
/// </summary>
public sealed record GemmSpec
{
    /// <summary>Size of the encoded header, in bytes.</summary>
    public const int EncodedLength = 32;

    /// <summary>The largest m, n or k accepted.</summary>
    public const int MaxDimension = 65_536;

    /// <summary>The most GEMMs one run may queue.</summary>
    public const int MaxIterations = 100_000;

    /// <summary>Workspace cuBLAS allocates per handle on recent GPUs, counted in the model's memory.</summary>
    public const long WorkspaceBytes = 32L * 1024 * 1024;

    private static ReadOnlySpan<byte> Magic => "GPGEMM\0\0"u8;

    private GemmSpec(int m, int n, int k, GemmDataType dataType, int iterations)
    {
        M = m;
        N = n;
        K = k;
        DataType = dataType;
        Iterations = iterations;
    }

    /// <summary>Rows of A and C.</summary>
    public int M { get; }

    /// <summary>Columns of B and C.</summary>
    public int N { get; }

    /// <summary>Columns of A, rows of B.</summary>
    public int K { get; }

    /// <summary>Element type of A and B (C is always FP32).</summary>
    public GemmDataType DataType { get; }

    /// <summary>GEMMs per run.</summary>
    public int Iterations { get; }

    /// <summary>Bytes of one element of A and B.</summary>
    public int InputElementBytes => DataType is GemmDataType.Fp16 or GemmDataType.Bf16 ? 2 : 4;

    /// <summary>Floating-point operations of one run (2·m·n·k per GEMM).</summary>
    public double FlopsPerRun => 2.0 * M * N * K * Iterations;

    /// <summary>Device memory the model needs: A, B, C and cuBLAS's workspace.</summary>
    public long DeviceMemoryBytes => (((long)M * K) + ((long)K * N)) * InputElementBytes + ((long)M * N * sizeof(float)) + WorkspaceBytes;

    /// <summary>Creates a spec, validating every field.</summary>
    /// <exception cref="InvalidPoolRequestException">A field is out of range.</exception>
    public static GemmSpec Create(int m, int n, int k, GemmDataType dataType = GemmDataType.Fp32, int iterations = 1)
    {
        CheckDimension("m", m);
        CheckDimension("n", n);
        CheckDimension("k", k);
        if (!Enum.IsDefined(dataType))
        {
            throw new InvalidPoolRequestException($"GEMM data type {(int)dataType} is not one of {string.Join(", ", Enum.GetNames<GemmDataType>())}.");
        }

        if (iterations is < 1 or > MaxIterations)
        {
            throw new InvalidPoolRequestException($"GEMM iterations must be 1..{MaxIterations}; got {iterations}.");
        }

        return new GemmSpec(m, n, k, dataType, iterations);
    }

    /// <summary>Reads a spec from model bytes.</summary>
    /// <exception cref="InvalidPoolRequestException">The bytes are not a valid GEMM header.</exception>
    public static GemmSpec Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != EncodedLength || !bytes[..8].SequenceEqual(Magic))
        {
            throw new InvalidPoolRequestException($"A cuBLAS GEMM model is a {EncodedLength}-byte header starting with \"GPGEMM\"; got {bytes.Length} bytes{(bytes.Length >= 8 && !bytes[..8].SequenceEqual(Magic) ? " with another signature" : string.Empty)}.");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        if (version != 1)
        {
            throw new InvalidPoolRequestException($"GEMM model version {version} is not supported (expected 1).");
        }

        return Create(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[20..]),
            (GemmDataType)BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[28..]));
    }

    /// <summary>Encodes the spec as model bytes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[EncodedLength];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), M);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), N);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), K);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), (int)DataType);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), Iterations);
        return bytes;
    }

    private static void CheckDimension(string name, int value)
    {
        if (value is < 1 or > MaxDimension)
        {
            throw new InvalidPoolRequestException($"GEMM dimension {name} must be 1..{MaxDimension}; got {value}.");
        }
    }
}
