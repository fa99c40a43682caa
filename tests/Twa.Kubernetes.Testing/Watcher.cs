using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Twa.Kubernetes.Testing;

/// <summary>One open watch: its filter and the queue of NDJSON lines still to send. Written under the store lock, read by the request.</summary>
internal sealed class Watcher(StoredResource resource, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks) : IDisposable
{
    public StoredResource Resource { get; } = resource;

    public bool Bookmarks { get; } = bookmarks;

    public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public CancellationTokenSource Killed { get; } = new();

    public bool Matches(JsonObject obj) =>
        (ns is null || JsonTree.MetaStr(obj, "namespace") == ns) && labels.Matches(JsonTree.Labels(obj)) && fields.Matches(obj);

    /// <summary>The event type this watcher should see for a change, or null (selector transitions become ADDED/DELETED).</summary>
    public string? Translate(string type, JsonObject obj, JsonObject? old)
    {
        var now = Matches(obj);
        if (type != "MODIFIED")
        {
            return now ? type : null;
        }

        var before = old is not null && Matches(old);
        return (before, now) switch
        {
            (true, true) => "MODIFIED",
            (false, true) => "ADDED",
            (true, false) => "DELETED",
            _ => null,
        };
    }

    public void Send(string type, JsonObject obj) =>
        Lines.Writer.TryWrite(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString());

    public void Dispose() => Killed.Dispose();
}
