namespace GpuPool.Runtime.Scheduling;

/// <summary>The choice of the next run (called under the lock).</summary>
internal sealed partial class DeviceQueue
{
    private List<(PendingRun Run, RunAdmission Admission)>? Dispatch()
    {
        List<(PendingRun Run, RunAdmission Admission)>? admitted = null;
        var now = _time.GetTimestamp();
        RemoveEndedFlows();
        while (_running < Slots && _queued > 0)
        {
            var reserve = Slots > 1 && _lastHighActivity != long.MinValue
                && _time.GetElapsedTime(_lastHighActivity, now) <= _options.HighPriorityReserveWindow;
            LeaseFlow? best = null;
            var bestClass = int.MaxValue;
            foreach (var flow in _flows.Values)
            {
                if (flow.Queue.Count == 0)
                {
                    continue;
                }

                Accrue(flow, now);
                if (reserve && flow.Priority != LeasePriority.High && _runningOthers >= Slots - 1)
                {
                    continue;
                }

                // Class 0: owed its share. Class 1: borrowing idle capacity (Low last).
                int cls;
                if (flow.Tokens > 0)
                {
                    cls = 0;
                }
                else if (flow.HardCap)
                {
                    continue;
                }
                else
                {
                    cls = flow.Priority == LeasePriority.Low ? 2 : 1;
                }

                if (best is null || IsBefore(flow, cls, best, bestClass))
                {
                    best = flow;
                    bestClass = cls;
                }
            }

            if (best is null)
            {
                break;
            }

            var run = best.Queue.First!.Value;
            best.Queue.RemoveFirst();
            _queued--;
            _running++;
            best.Running++;
            if (best.Priority != LeasePriority.High)
            {
                _runningOthers++;
            }
            else
            {
                _lastHighActivity = now;
            }

            // Charge the expected time now so that concurrent slots are not all handed to one lease
            // before its first run is measured; the difference is settled when the run ends.
            var estimate = best.EstimateSeconds;
            Charge(best, estimate);
            (admitted ??= []).Add((run, new RunAdmission(best, estimate, ContextFor(best))));
        }

        ArmWakeTimer();
        return admitted;
    }

    private static bool IsBefore(LeaseFlow flow, int cls, LeaseFlow best, int bestClass)
    {
        if (cls != bestClass)
        {
            return cls < bestClass;
        }

        if (flow.Priority != best.Priority)
        {
            return flow.Priority > best.Priority;
        }

        if (flow.VirtualTime != best.VirtualTime)
        {
            return flow.VirtualTime < best.VirtualTime;
        }

        return flow.Queue.First!.Value.Sequence < best.Queue.First!.Value.Sequence;
    }

    /// <summary>Seconds of device time per second the lease is entitled to.</summary>
    private double RateOf(LeaseFlow flow) => flow.Weight / (double)SliceRequest.FullDeviceMilli * Slots;

    private double BucketOf(LeaseFlow flow) => _options.BurstWindow.TotalSeconds * RateOf(flow);

    private void Accrue(LeaseFlow flow, long now)
    {
        var elapsed = _time.GetElapsedTime(flow.LastAccrued, now).TotalSeconds;
        flow.LastAccrued = now;
        if (elapsed > 0)
        {
            flow.Tokens = Math.Min(BucketOf(flow), flow.Tokens + (elapsed * RateOf(flow)));
        }
    }

    private void Charge(LeaseFlow flow, double seconds)
    {
        Accrue(flow, _time.GetTimestamp());
        var bucket = BucketOf(flow);
        flow.Tokens = Math.Clamp(flow.Tokens - seconds, -bucket, bucket);
        flow.VirtualTime += seconds / flow.Weight;
    }

    private double MinBackloggedVirtualTime()
    {
        var min = double.NaN;
        foreach (var flow in _flows.Values)
        {
            if (flow.IsBacklogged && (double.IsNaN(min) || flow.VirtualTime < min))
            {
                min = flow.VirtualTime;
            }
        }

        return double.IsNaN(min) ? 0 : min;
    }

    private void RemoveEndedFlows()
    {
        List<string>? ended = null;
        foreach (var flow in _flows.Values)
        {
            if (!flow.IsBacklogged && !flow.Lease.IsActive)
            {
                (ended ??= []).Add(flow.Id);
            }
        }

        if (ended is not null)
        {
            foreach (var id in ended)
            {
                _flows.Remove(id);
            }
        }
    }

    /// <summary>Wakes the queue when the first waiting hard-capped lease's bucket turns positive.</summary>
    private void ArmWakeTimer()
    {
        var due = double.PositiveInfinity;
        if (_running < Slots)
        {
            foreach (var flow in _flows.Values)
            {
                if (flow.HardCap && flow.Queue.Count > 0 && flow.Tokens <= 0)
                {
                    due = Math.Min(due, (-flow.Tokens / RateOf(flow)) + 1e-6);
                }
            }
        }

        _wakeTimer.Change(double.IsPositiveInfinity(due) ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(due), Timeout.InfiniteTimeSpan);
    }
}
