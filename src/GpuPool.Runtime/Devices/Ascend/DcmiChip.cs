namespace GpuPool.Runtime.Devices.Ascend;

/// <summary>What <c>dcmi_get_device_chip_info</c> reports of a chip.</summary>
/// <param name="Type">The chip type (<c>Ascend</c>).</param>
/// <param name="Name">The chip name (<c>910B3</c>).</param>
/// <param name="AiCores">AI Cores on the chip.</param>
internal sealed record DcmiChip(string Type, string Name, int AiCores)
{
    /// <summary>The model as <c>npu-smi</c> shows it (<c>Ascend910B3</c>).</summary>
    public string Model => Name.StartsWith(Type, StringComparison.OrdinalIgnoreCase) ? Name : Type + Name;
}
