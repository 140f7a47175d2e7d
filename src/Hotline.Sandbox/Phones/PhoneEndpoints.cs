using Hotline.Sandbox.Calls;

namespace Hotline.Sandbox.Phones;

// What the outside world received, and the knobs that decide how it behaves.
public static class PhoneEndpoints
{
    public static IEndpointRouteBuilder MapSandboxInspection(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox");
        sandbox.MapGet("/", (TwilioSandbox s) => Results.Content(SandboxPage.Render(s), "text/html; charset=utf-8"));
        sandbox.MapGet("/phones", (TwilioSandbox s) =>
            s.Phones.All().Select(p => new PhoneSummary(p.Number, p.Messages.Count, p.Calls.Count, p.Behaviour.Answer)));
        sandbox.MapGet("/phones/{number}", GetPhone);
        sandbox.MapPost("/phones/{number}/behaviour", SetBehaviour);
        sandbox.MapGet("/requests", (TwilioSandbox s) => s.Requests.All());
        sandbox.MapGet("/calls", (TwilioSandbox s) => s.Calls.All().Select(CallView.Of));
        sandbox.MapGet("/calls/{callSid}", (string callSid, TwilioSandbox s) =>
            s.Calls.Find(callSid) is { } call ? Results.Ok(CallView.Of(call)) : Results.NotFound());
        sandbox.MapGet("/messages", (TwilioSandbox s) =>
            s.Messages.All().Select(m => new { m.Sid, m.From, m.To, m.Body, m.Status, m.CreatedAt, m.Callbacks }));
        sandbox.MapPost("/speed", (SpeedRequest request, TwilioSandbox s) =>
        {
            if (request.Speed <= 0 || !double.IsFinite(request.Speed))
            {
                return Results.BadRequest(new { error = "speed must be a positive number." });
            }

            s.Clock.Speed = request.Speed;
            return Results.Ok(request);
        });
        sandbox.MapPost("/reset", (TwilioSandbox s) =>
        {
            s.Reset();
            return Results.NoContent();
        });
        return app;
    }

    private static IResult GetPhone(string number, TwilioSandbox sandbox) =>
        sandbox.Phones.Snapshot(number) is { } phone
            ? Results.Ok(phone)
            : Results.Ok(new PhoneSnapshot(PhoneBook.Normalize(number), PhoneBehaviour.Default, [], []));

    private static IResult SetBehaviour(string number, PhoneBehaviour behaviour, TwilioSandbox sandbox)
    {
        if (behaviour.RestFailure is { Status: not (400 or 429 or >= 500 and < 600) })
        {
            return Results.BadRequest(new { error = "restFailure.status must be 400, 429 or 5xx." });
        }

        sandbox.Phones.SetBehaviour(number, behaviour);
        return Results.Ok(sandbox.Phones.Snapshot(number));
    }
}

public sealed record SpeedRequest(double Speed);

public sealed record CallView(string Sid, string Direction, string From, string To, string Status, DateTimeOffset CreatedAt, CallTranscript? Transcript)
{
    public static CallView Of(TrackedCall call) =>
        new(call.Sid, call.Direction, call.From, call.To, call.Status, call.CreatedAt, call.Transcript);
}
