namespace GpuPool.Runtime.Cuda;

/// <summary>A CUDA driver call failed.</summary>
public sealed class CudaException : Exception
{
    /// <summary>CUDA_ERROR_OUT_OF_MEMORY.</summary>
    public const int OutOfMemory = 2;

    /// <summary>Creates the exception.</summary>
    public CudaException()
        : this("CUDA call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public CudaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CudaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    public CudaException(string function, int code, string? name = null)
        : base($"{function} failed with CUDA error {code}{(name is null ? string.Empty : $" ({name})")}.")
    {
        Function = function;
        Code = code;
    }

    /// <summary>The function that failed.</summary>
    public string? Function { get; }

    /// <summary>The <c>CUresult</c>.</summary>
    public int Code { get; }
}
