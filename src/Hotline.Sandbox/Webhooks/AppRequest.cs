namespace Hotline.Sandbox.Webhooks;

// One request the sandbox made to the app, as the app saw it, and how the app answered.
// Status 0 means no HTTP answer at all (connection refused, timeout); Error then says why.
public sealed record AppRequest(
    DateTimeOffset At,
    string Method,
    string Url,
    IReadOnlyList<KeyValuePair<string, string>> Form,
    string IdempotencyToken,
    int Status,
    string Body,
    string? Error)
{
    public bool Succeeded => Status is >= 200 and < 300;

    public string? Param(string name) => Form.FirstOrDefault(p => p.Key == name).Value;
}
