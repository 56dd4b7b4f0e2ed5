namespace GpuPool.Runtime.Leasing;

/// <summary>The order of the wait queue: higher priority first, then arrival.</summary>
internal sealed class LeaseWaiterOrder : IComparer<LeaseWaiter>
{
    public static readonly LeaseWaiterOrder Instance = new();

    public int Compare(LeaseWaiter? x, LeaseWaiter? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        var byPriority = y!.Request.Priority.CompareTo(x!.Request.Priority);
        return byPriority != 0 ? byPriority : x.Sequence.CompareTo(y.Sequence);
    }
}
