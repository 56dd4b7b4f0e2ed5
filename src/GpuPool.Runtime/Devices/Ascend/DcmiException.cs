namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>A DCMI call failed.</summary>
internal sealed class DcmiException : Exception
{
    /// <summary>DCMI_OK.</summary>
    public const int Ok = 0;

    /// <summary>DCMI_ERR_CODE_INVALID_PARAMETER (DCMI_ERROR_CODE_BASE - 1).</summary>
    public const int InvalidParameter = -8001;

    /// <summary>DCMI_ERR_CODE_DEVICE_NOT_EXIST.</summary>
    public const int DeviceNotExist = -8008;

    /// <summary>DCMI_ERR_CODE_NOT_SUPPORT_IN_CONTAINER.</summary>
    public const int NotSupportedInContainer = -8013;

    /// <summary>DCMI_ERR_CODE_NOT_SUPPORT (DCMI_ERROR_CODE_BASE - 255).</summary>
    public const int NotSupported = -8255;

    /// <summary>Creates the exception.</summary>
    public DcmiException()
        : this("DCMI call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public DcmiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DcmiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed call.</summary>
    public DcmiException(string function, int code)
        : base($"{function} failed with DCMI error {code} ({Describe(code)}).")
    {
        Function = function;
        Code = code;
    }

    /// <summary>The DCMI function that failed.</summary>
    public string? Function { get; }

    /// <summary>DCMI's return code.</summary>
    public int Code { get; }

    /// <summary>Whether a code means the query is not available on this chip or in this container.</summary>
    public static bool IsNotSupported(int code) => code is NotSupported or NotSupportedInContainer;

    /// <summary>A short name for a DCMI return code (values from <c>dcmi_interface_api.h</c>).</summary>
    public static string Describe(int code) => code switch
    {
        0 => "ok",
        -8001 => "invalid parameter",
        -8002 => "operation not permitted",
        -8003 => "memory operation failed",
        -8004 => "secure function failed",
        -8005 => "inner error",
        -8006 => "time out",
        -8007 => "invalid device id",
        -8008 => "device does not exist",
        -8009 => "ioctl failed",
        -8010 => "send message failed",
        -8011 => "receive message failed",
        -8012 => "not ready",
        -8013 => "not supported in container",
        -8014 => "file operation failed",
        -8015 => "reset failed",
        -8016 => "operation aborted",
        -8017 => "upgrading",
        -8020 => "resource occupied",
        -8022 => "partition not right",
        -8255 => "not supported",
        _ => "unknown",
    };
}
