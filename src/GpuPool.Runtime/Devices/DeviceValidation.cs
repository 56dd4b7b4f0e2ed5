namespace GpuPool.Runtime.Devices;

/// <summary>How far a device provider has been checked against real devices.</summary>
public enum DeviceValidation
{
    /// <summary>The provider does not say.</summary>
    Unknown = 0,

    /// <summary>Tested only against fakes written to the vendor's documented API, never on a real device.</summary>
    FakesOnly = 1,

    /// <summary>Checked on real devices (for example by a device-check script in <c>tests/gpu</c>).</summary>
    Hardware = 2,

    /// <summary>The devices exist only in configuration; there is nothing to validate against.</summary>
    Simulated = 3,
}
