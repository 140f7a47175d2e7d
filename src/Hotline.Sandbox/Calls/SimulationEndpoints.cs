namespace Hotline.Sandbox.Calls;

// Lets a separate process (the CLI with --sandbox) place resident calls through a running sandbox, so that they
// share its queues with the operator legs the app places through the REST API.
public static class SimulationEndpoints
{
    public static IEndpointRouteBuilder MapSimulation(this IEndpointRouteBuilder app)
    {
        app.MapPost("/sandbox/inbound/call", async (CallerScript script, TwilioSandbox sandbox, CancellationToken ct) =>
            await sandbox.Residents.CallAsync(script, ct));
        app.MapPost("/sandbox/inbound/sms", async (InboundSmsRequest sms, TwilioSandbox sandbox, CancellationToken ct) =>
            await sandbox.Residents.SendSmsAsync(sms.From, sms.Body, ct, sms.To));
        return app;
    }
}

public sealed record InboundSmsRequest(string From, string Body, string? To = null);
