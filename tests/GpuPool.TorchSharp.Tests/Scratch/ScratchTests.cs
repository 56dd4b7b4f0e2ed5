using GpuPool.TorchSharp.Tests.Support;
using TorchSharp;

namespace GpuPool.TorchSharp.Tests.Scratch;

public sealed class ScratchTests
{
    [Fact]
    public void Load()
    {
        var w = new float[] { 1, 2, 3, 4, 5, 6 };
        var b = new float[] { 0.5f, -100f };
        var bytes = new TorchScriptArchiveWriter("Linear").Parameter("weight", w, 3, 2).Parameter("bias", b, 2)
            .Forward("  def forward(self: __torch__.Linear,\n    x: Tensor) -> Tensor:\n    _0 = torch.add(torch.matmul(x, self.weight), self.bias)\n    return torch.relu(_0)\n")
            .Build();
        File.WriteAllBytes("/tmp/linear.pt", bytes);
        using var module = torch.jit.load(bytes, torch.CPU);
        using var x = torch.tensor(new float[] { 1, 1, 1 }, new long[] { 1, 3 });
        var y = (torch.Tensor)module.forward([x]);
        Assert.Equal(new float[] { 9.5f, 0f }, y.data<float>().ToArray());
    }
}
