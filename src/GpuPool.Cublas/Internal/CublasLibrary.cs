using System.Runtime.InteropServices;

namespace GpuPool.Cublas.Internal;

/// <summary>cuBLAS through <c>libcublas</c>, loaded on first use from a configurable path and called through function pointers.</summary>
internal sealed unsafe class CublasLibrary : ICublas
{
    private static readonly string[] DefaultNames = ["libcublas.so.13", "libcublas.so.12", "libcublas.so"];
    private readonly string? _path;
    private readonly Lazy<string?> _load;
    private delegate* unmanaged<nint*, int> _create;
    private delegate* unmanaged<nint, int> _destroy;
    private delegate* unmanaged<nint, nint, int> _setStream;
    private delegate* unmanaged<nint, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int> _sgemm;
    private delegate* unmanaged<nint, int, int, int, int, int, float*, ulong, int, int, ulong, int, int, float*, ulong, int, int, int, int, int> _gemmEx;

    public CublasLibrary(string? path)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : path;
        _load = new Lazy<string?>(Load);
    }

    // Loaded once, on first use; the outcome (null or the reason it failed) is kept.
    public bool TryInitialize(out string? error)
    {
        error = _load.Value;
        return error is null;
    }

    public nint CreateHandle()
    {
        nint handle;
        Check(_create(&handle), "cublasCreate_v2");
        return handle;
    }

    public void DestroyHandle(nint handle) => Check(_destroy(handle), "cublasDestroy_v2");

    public void SetStream(nint handle, nint stream) => Check(_setStream(handle, stream), "cublasSetStream_v2");

    public void Sgemm(nint handle, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb, float beta, ulong c, int ldc) =>
        Check(_sgemm(handle, 0, 0, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc), "cublasSgemm_v2");

    public void GemmTyped(nint handle, int m, int n, int k, float alpha, ulong a, CudaDataType aType, int lda, ulong b, CudaDataType bType, int ldb, float beta, ulong c, CudaDataType cType, int ldc, CublasComputeType computeType) =>
        Check(_gemmEx(handle, 0, 0, m, n, k, &alpha, a, (int)aType, lda, b, (int)bType, ldb, &beta, c, (int)cType, ldc, (int)computeType, -1), "cublasGemmEx");

    private static void Check(int status, string function)
    {
        if (status != 0)
        {
            throw new CublasException(function, status);
        }
    }

    private string? Load()
    {
        nint library = 0;
        var tried = _path is null ? DefaultNames : [_path];
        foreach (var name in tried)
        {
            PreloadLt(name);
            if (NativeLibrary.TryLoad(name, out library))
            {
                break;
            }
        }

        if (library == 0)
        {
            return $"cuBLAS could not be loaded (tried {string.Join(", ", tried)}); set CublasOptions.LibraryPath";
        }

        try
        {
            _create = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(library, "cublasCreate_v2");
            _destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cublasDestroy_v2");
            _setStream = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(library, "cublasSetStream_v2");
            _sgemm = (delegate* unmanaged<nint, int, int, int, int, int, float*, ulong, int, ulong, int, float*, ulong, int, int>)NativeLibrary.GetExport(library, "cublasSgemm_v2");
            _gemmEx = (delegate* unmanaged<nint, int, int, int, int, int, float*, ulong, int, int, ulong, int, int, float*, ulong, int, int, int, int, int>)NativeLibrary.GetExport(library, "cublasGemmEx");
        }
        catch (EntryPointNotFoundException ex)
        {
            return $"the cuBLAS library lacks a function: {ex.Message}";
        }

        return null;
    }

    private static void PreloadLt(string path)
    {
        // libcublas needs libcublasLt; a wheel's copy sits next to it and may not be on the loader's path.
        var directory = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return;
        }

        foreach (var lt in Directory.EnumerateFiles(directory, "libcublasLt.so*").Order(StringComparer.Ordinal))
        {
            if (NativeLibrary.TryLoad(lt, out _))
            {
                return;
            }
        }
    }
}
