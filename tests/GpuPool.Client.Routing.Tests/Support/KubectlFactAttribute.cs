namespace GpuPool.Client.Routing.Tests.Support;

/// <summary>A test that renders manifests with <c>kubectl kustomize</c>; skipped, saying why, only where kubectl is not installed.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "kubectl is not on PATH: install it (Debian: kubectl from the Kubernetes apt repository, or kubernetes-client) to render deploy/kubernetes offline; eng/prerequisites.sh does not install it.";
        }
    }
}
