namespace Hotline.Sandbox.Calls;

// What POST .../Calls.json asked for.
public sealed record OutboundCallRequest(
    string To,
    string From,
    Uri? Url,
    string? Twiml,
    string Method,
    Uri? StatusCallback,
    string StatusCallbackMethod,
    IReadOnlyList<string> StatusCallbackEvents,
    string? MachineDetection,
    int TimeoutSeconds);
