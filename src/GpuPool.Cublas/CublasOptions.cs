namespace GpuPool.Cublas;

/// <summary>Settings of the cuBLAS workload.</summary>
public sealed class CublasOptions
{
    /// <summary>
    /// Path or name of <c>libcublas</c>. When <see langword="null"/>, <c>libcublas.so.13</c>, then
    /// <c>libcublas.so.12</c>, then <c>libcublas.so</c> are tried. <c>libcublasLt</c> next to a given path is loaded first.
    /// </summary>
    public string? LibraryPath { get; set; }
}
