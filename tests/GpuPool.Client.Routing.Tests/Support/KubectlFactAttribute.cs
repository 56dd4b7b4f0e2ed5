namespace GpuPool.Client.Routing.Tests.Support;

/// <summary>A test that renders manifests with <c>kubectl kustomize</c>; skipped, saying why, only where kubectl is not installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "kubectl is not on PATH: install it (.ci/run does) to render deploy/kubernetes offline.";
        }
    }
}
