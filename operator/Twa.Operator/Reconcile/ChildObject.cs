using System.Text.Json.Nodes;

namespace Twa.Operator.Reconcile;

/// <summary>A Service or ConfigMap to server-side apply (<c>fieldManager=twa-operator</c>, <c>force=true</c>).
/// <see cref="Hash"/> is also in the object's <c>twa.dev/spec-hash</c> annotation, so an unchanged child is not
/// applied again. <see cref="Manifest"/> is owned by the caller.</summary>
public sealed record ChildObject(string Kind, string Name, string Hash, JsonObject Manifest);
