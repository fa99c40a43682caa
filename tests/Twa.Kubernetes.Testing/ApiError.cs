using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>An error the fake server answers with a metav1.Status body.</summary>
internal sealed class ApiError : Exception
{
    public ApiError()
    {
    }

    public ApiError(string message)
        : base(message)
    {
    }

    public ApiError(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ApiError(int code, string reason, string message, string? name = null, string? kind = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Name = name;
        Kind = kind;
    }

    public int Code { get; } = 500;

    public string Reason { get; } = "InternalError";

    public string? Name { get; }

    public string? Kind { get; }

    public static ApiError NotFound(string plural, string name) => new(404, "NotFound", $"{plural} \"{name}\" not found", name, plural);

    public static ApiError AlreadyExists(string plural, string name) => new(409, "AlreadyExists", $"{plural} \"{name}\" already exists", name, plural);

    public static ApiError Conflict(string plural, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {plural} \"{name}\": {why}", name, plural);

    public static ApiError Invalid(string plural, string name, string why) => new(422, "Invalid", $"{plural} \"{name}\" is invalid: {why}", name, plural);

    public static ApiError BadRequest(string why) => new(400, "BadRequest", why);

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
            ["code"] = Code,
        };
        if (Name is not null || Kind is not null)
        {
            status["details"] = new JsonObject { ["name"] = Name, ["kind"] = Kind };
        }

        return status;
    }
}
