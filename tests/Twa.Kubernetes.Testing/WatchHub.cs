using System.Globalization;
using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// The change history (for resuming watches from a resourceVersion) and the open watchers. A resourceVersion older
/// than the retained history gets 410 Gone. Every member must be called under the store's lock.
/// </summary>
internal sealed class WatchHub(int historyLimit)
{
    private readonly LinkedList<(long Rv, StoredResource Resource, string Type, JsonObject Obj, JsonObject? Old)> _history = new();
    private readonly List<Watcher> _watchers = [];

    /// <summary>Watches from a resourceVersion below this get 410 Gone.</summary>
    public long CompactedRevision { get; private set; }

    public int HistoryLimit { get; set; } = historyLimit;

    public int WatchCount => _watchers.Count;

    public void Record(long rv, StoredResource resource, string type, JsonObject obj, JsonObject? old)
    {
        _history.AddLast((rv, resource, type, JsonTree.Clone(obj), old is null ? null : JsonTree.Clone(old)));
        while (_history.Count > HistoryLimit)
        {
            CompactedRevision = _history.First!.Value.Rv;
            _history.RemoveFirst();
        }

        foreach (var w in _watchers)
        {
            if (w.Resource == resource && w.Translate(type, obj, old) is { } seen)
            {
                w.Send(seen, obj);
            }
        }
    }

    /// <summary>Opens a watch: queues the synthetic ADDED events (no resourceVersion) or the history after it, then live events.</summary>
    /// <exception cref="ApiError">410 Expired when <paramref name="resourceVersion"/> predates the retained history; 400 when it is not a number.</exception>
    public Watcher Open(StoredResource resource, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks, string? resourceVersion)
    {
        var watcher = new Watcher(resource, ns, labels, fields, bookmarks);
        if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
        {
            foreach (var obj in resource.Items.Values.Where(watcher.Matches))
            {
                watcher.Send("ADDED", obj);
            }
        }
        else
        {
            if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                watcher.Dispose();
                throw ApiError.BadRequest($"invalid resourceVersion '{resourceVersion}': expected a resourceVersion from this server");
            }

            if (from < CompactedRevision)
            {
                watcher.Dispose();
                throw new ApiError(410, "Expired", $"too old resource version: {from} ({CompactedRevision})");
            }

            foreach (var e in _history.Where(e => e.Rv > from && e.Resource == resource))
            {
                if (watcher.Translate(e.Type, e.Obj, e.Old) is { } seen)
                {
                    watcher.Send(seen, e.Obj);
                }
            }
        }

        _watchers.Add(watcher);
        return watcher;
    }

    public static void Bookmark(Watcher watcher, long currentRv)
    {
        var d = watcher.Resource.Descriptor;
        watcher.Send("BOOKMARK", new JsonObject
        {
            ["kind"] = d.Kind,
            ["apiVersion"] = d.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = currentRv.ToString(CultureInfo.InvariantCulture) },
        });
    }

    public void Close(Watcher watcher)
    {
        _watchers.Remove(watcher);
        watcher.Lines.Writer.TryComplete();
    }

    public void Compact(long currentRv)
    {
        _history.Clear();
        CompactedRevision = currentRv;
    }

    public void KillAll()
    {
        foreach (var w in _watchers.ToList())
        {
            w.Killed.Cancel();
            Close(w);
        }
    }
}
