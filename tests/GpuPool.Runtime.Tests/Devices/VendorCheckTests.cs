using GpuPool.VendorCheck;

namespace GpuPool.Runtime.Tests.Devices;

public class VendorCheckTests
{
    [Theory]
    [InlineData("amd", "/nonexistent/librocm_smi64.so")]
    [InlineData("ascend", "/nonexistent/libdcmi.so")]
    public async Task RunAsync_NoDeviceOfTheVendor_ReportsAnEmptyInventoryAndExitsTwo(string vendor, string library)
    {
        using var output = new StringWriter();

        var exitCode = await VendorCheck.VendorCheck.RunAsync(["--vendor", vendor, "--library", library], output);

        Assert.Equal(2, exitCode);
        Assert.Equal(
            $"{{\"check\":\"vendor-inventory\",\"vendor\":\"{vendor}\",\"validation\":\"FakesOnly\",\"devices\":[]}}",
            output.ToString().Trim());
    }
}
