using System.Diagnostics;

namespace Twa.Operator.Runtime;

/// <summary>
/// client-go's rate-limited work queue for reconcile keys: a key added several times before a worker takes it is
/// queued once; a key being processed is never handed to a second worker (an add during processing re-queues it
/// when <see cref="Done"/> is called); <see cref="AddAfter"/> timers; per-key capped exponential retry with jitter
/// (<see cref="AddRateLimited"/>, reset by <see cref="Forget"/>). Depth, adds, retries and queue/work durations go
/// to the workqueue_* series. Thread-safe.
/// </summary>
public sealed class WorkQueue : IDisposable
{
    private readonly Lock _lock = new();
    private readonly LinkedList<string> _queue = new();
    private readonly Dictionary<string, long> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _timers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _available = new(0);
    private readonly Backoff _backoff;
    private readonly OperatorMetrics _metrics;
    private readonly string _name;
    private readonly CancellationTokenSource _shutdown = new();
    private bool _disposed;

    /// <summary>Creates a queue named <paramref name="name"/> (the <c>name</c> label) retrying with <paramref name="backoff"/>.</summary>
    public WorkQueue(string name, Backoff backoff, OperatorMetrics metrics)
    {
        _name = name ?? throw new ArgumentNullException(nameof(name));
        _backoff = backoff ?? throw new ArgumentNullException(nameof(backoff));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
    }

    /// <summary>Keys waiting for a worker.</summary>
    public int Depth
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>When a worker last took a key (or the queue was created); for the liveness check.</summary>
    public DateTimeOffset LastTaken { get; private set; } = DateTimeOffset.UtcNow;

    /// <summary>Queues <paramref name="key"/> unless it is already waiting.</summary>
    public void Add(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (_dirty.ContainsKey(key))
            {
                return;
            }

            _metrics.QueueAdds.WithLabels(_name, OperatorMetrics.Controller).Inc();
            _dirty[key] = Stopwatch.GetTimestamp();
            if (_processing.ContainsKey(key))
            {
                return; // Done() queues it again
            }

            Enqueue(key);
        }
    }

    /// <summary>Adds <paramref name="key"/> after <paramref name="delay"/>; an earlier pending timer for the key wins.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        var due = DateTimeOffset.UtcNow + delay;
        lock (_lock)
        {
            if (_timers.TryGetValue(key, out var existing) && existing <= due)
            {
                return;
            }

            _timers[key] = due;
        }

        _ = FireAsync(key, due, delay);
    }

    /// <summary>Re-queues <paramref name="key"/> after its next backoff delay (1 s doubling to 5 min, with jitter) and
    /// returns that delay.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        int n;
        lock (_lock)
        {
            n = _failures[key] = _failures.GetValueOrDefault(key) + 1;
        }

        _metrics.QueueRetries.WithLabels(_name, OperatorMetrics.Controller).Inc();
        var delay = _backoff.Delay(n);
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Forgets the failures of <paramref name="key"/> (it reconciled successfully).</summary>
    public void Forget(string key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>Failures recorded for <paramref name="key"/> since its last success.</summary>
    public int Failures(string key)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for a key and marks it processing; the caller must call <see cref="Done"/> with it.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled or the queue disposed.</exception>
    public async Task<string> TakeAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _shutdown.Token);
        while (true)
        {
            await _available.WaitAsync(linked.Token).ConfigureAwait(false);
            lock (_lock)
            {
                if (_queue.First is not { } node)
                {
                    continue;
                }

                _queue.RemoveFirst();
                var key = node.Value;
                var added = _dirty.GetValueOrDefault(key, Stopwatch.GetTimestamp());
                _dirty.Remove(key);
                _processing[key] = Stopwatch.GetTimestamp();
                _metrics.QueueDepth.WithLabels(_name, OperatorMetrics.Controller).Set(_queue.Count);
                _metrics.QueueDuration.WithLabels(_name, OperatorMetrics.Controller).Observe(Stopwatch.GetElapsedTime(added).TotalSeconds);
                LastTaken = DateTimeOffset.UtcNow;
                return key;
            }
        }
    }

    /// <summary>Marks <paramref name="key"/> processed; queues it again if it was added meanwhile.</summary>
    public void Done(string key)
    {
        lock (_lock)
        {
            if (_processing.Remove(key, out var started))
            {
                _metrics.WorkDuration.WithLabels(_name, OperatorMetrics.Controller).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }

            if (_dirty.ContainsKey(key))
            {
                Enqueue(key);
            }
        }
    }

    /// <summary>Stops timers and wakes waiting workers with <see cref="OperationCanceledException"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _shutdown.Cancel();
    }

    private void Enqueue(string key)
    {
        if (_disposed)
        {
            return;
        }

        _queue.AddLast(key);
        _metrics.QueueDepth.WithLabels(_name, OperatorMetrics.Controller).Set(_queue.Count);
        _available.Release();
    }

    private async Task FireAsync(string key, DateTimeOffset due, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        lock (_lock)
        {
            if (!_timers.TryGetValue(key, out var current) || current != due)
            {
                return; // superseded by an earlier timer
            }

            _timers.Remove(key);
        }

        Add(key);
    }
}
