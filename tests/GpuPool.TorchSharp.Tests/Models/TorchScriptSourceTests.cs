using GpuPool.TorchSharp.Internal;

namespace GpuPool.TorchSharp.Tests.Models;

public sealed class TorchScriptSourceTests
{
    [Fact]
    public void Forward_AnnotatedWithGenericsAndDefaults_ReturnsNamesAfterSelfAndReturnType()
    {
        const string source = """
            class Other(Module):
              def forward(self: __torch__.Other, z: Tensor) -> Tensor:
                return z
            class Net(Module):
              __parameters__ = []
              training : bool
              def helper(self: __torch__.Net, q: Tensor) -> Tensor:
                return q
              def forward(self: __torch__.Net,
                input_ids: Tensor,
                mask: Optional[Tensor]=None,
                pair: Tuple[Tensor, Tensor]) -> Dict[str, Tensor]:
                return {}
            """;

        var net = TorchScriptSource.Forward(source, "Net");
        Assert.NotNull(net);
        Assert.Equal(["input_ids", "mask", "pair"], net.Parameters);
        Assert.Equal("Dict[str, Tensor]", net.ReturnType);
        Assert.Equal(["z"], TorchScriptSource.Forward(source, "Other")?.Parameters);
        Assert.Null(TorchScriptSource.Forward(source, "Missing"));
    }
}
