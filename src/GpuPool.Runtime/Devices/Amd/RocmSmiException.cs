namespace GpuPool.Runtime.Devices.Amd;

/// <summary>A ROCm SMI call failed.</summary>
internal sealed class RocmSmiException : Exception
{
    /// <summary>RSMI_STATUS_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>RSMI_STATUS_INVALID_ARGS.</summary>
    public const int InvalidArgs = 1;

    /// <summary>RSMI_STATUS_NOT_SUPPORTED.</summary>
    public const int NotSupported = 2;

    /// <summary>RSMI_STATUS_INSUFFICIENT_SIZE.</summary>
    public const int InsufficientSize = 11;

    /// <summary>Creates the exception.</summary>
    public RocmSmiException()
        : this("ROCm SMI call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public RocmSmiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RocmSmiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    public RocmSmiException(string function, int status)
        : base($"{function} failed with ROCm SMI status {status} ({Describe(status)}).")
    {
        Function = function;
        Status = status;
    }

    /// <summary>The ROCm SMI function that failed.</summary>
    public string? Function { get; }

    /// <summary>The <c>rsmi_status_t</c>.</summary>
    public int Status { get; }

    /// <summary>A short name for an <c>rsmi_status_t</c> (values from <c>rocm_smi.h</c>).</summary>
    public static string Describe(int status) => status switch
    {
        0 => "success",
        1 => "invalid arguments",
        2 => "not supported",
        3 => "file error",
        4 => "permission denied",
        5 => "out of resources",
        6 => "internal exception",
        7 => "input out of bounds",
        8 => "initialization error",
        9 => "not yet implemented",
        10 => "not found",
        11 => "insufficient size",
        12 => "interrupt",
        13 => "unexpected size",
        14 => "no data",
        15 => "unexpected data",
        16 => "busy",
        17 => "reference count overflow",
        -1 => "unknown error",
        _ => "unknown",
    };
}
