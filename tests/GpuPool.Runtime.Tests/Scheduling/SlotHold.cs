namespace GpuPool.Runtime.Tests.Scheduling;

/// <summary>A run that occupies a slot of a <see cref="FakeDevice"/> until released, so that others queue behind it.</summary>
internal sealed class SlotHold : IDisposable
{
    public ManualResetEventSlim Started { get; } = new();

    public ManualResetEventSlim Release { get; } = new();

    public Task<int> Run { get; set; } = Task.FromResult(0);

    /// <summary>Lets the held run finish, then waits for <paramref name="others"/> too.</summary>
    public Task ReleaseAsync(IEnumerable<Task> others)
    {
        Release.Set();
        return Task.WhenAll(others.Append(Run)).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        Release.Set();
        Started.Dispose();
        Release.Dispose();
    }
}
