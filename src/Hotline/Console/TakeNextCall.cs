using Dapper;
using Hotline.Calls;
using Hotline.Needs;
using Hotline.Telephony;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;

namespace Hotline.OperatorConsole;

// "Take next call": Twilio rings the operator's own phone, tells them who is next, then <Dial><Queue> bridges the
// front caller of the urgent queue, else the general one. Twilio fetches the <Queue url> for the dequeued caller
// just before bridging them; that request carries the caller's CallSid, so it is where their call becomes answered.
public static class TakeNextCall
{
    public const string Purpose = "take_next";

    public static void Map(RouteGroupBuilder twilio)
    {
        var console = twilio.MapGroup("/console");
        console.MapPost("/take-next", Connect);
        console.MapPost("/dequeued", Dequeued);
    }

    public sealed record FrontCaller
    {
        public long Id { get; init; }
        public string QueueName { get; init; } = "";
        public string? Reference { get; init; }
    }

    // The caller Twilio will hand over next: urgent queue first, longest wait first, as Twilio's queues are FIFO.
    public const string FrontOfQueues = $"""
        SELECT c.id, c.queue_name, n.reference
        FROM calls c LEFT JOIN needs n ON n.call_id = c.id
        WHERE {CallStore.WaitingInQueue} AND c.direction = 'inbound'
        ORDER BY c.queue_name = 'urgent' DESC, c.enqueued_at, c.id
        LIMIT 1
        """;

    static Task<TwimlResult> Connect(IFormCollection form, long staff, VoiceWebhook hook, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            var language = await step.Conn.ExecuteScalarAsync<string?>("SELECT language FROM staff WHERE id = @staff", new { staff }, step.Tx);
            var prompts = ivr.Value.For(language);
            var response = new VoiceResponse();
            var front = await step.Conn.QuerySingleOrDefaultAsync<FrontCaller>(FrontOfQueues, transaction: step.Tx);
            if (front is null)
            {
                await step.RecordAsync("take_next_empty", "nobody waiting", $"take_next:{step.Call.CallSid}");
                response.Say(prompts.OperatorNobodyWaiting, voice: prompts.Voice, language: prompts.SayLanguage);
                return response.Hangup();
            }

            await step.RecordAsync("take_next", $"{front.QueueName} queue, call {front.Id}", $"take_next:{step.Call.CallSid}");
            var whisper = prompts.OperatorWhisper
                .Replace("{queue}", front.QueueName == CallRouting.UrgentQueue ? prompts.OperatorUrgentQueue : prompts.OperatorGeneralQueue)
                .Replace("{reference}", front.Reference is null ? "" : ReferenceCode.Spoken(front.Reference));
            response.Say(whisper, voice: prompts.Voice, language: prompts.SayLanguage);
            var dial = new Dial();
            dial.Queue(front.QueueName, url: new Uri($"/twilio/console/dequeued?operator={step.Call.Id}", UriKind.Relative));
            response.Append(dial);
            return response.Hangup();
        }, ct);

    static Task<TwimlResult> Dequeued(IFormCollection form, long @operator, VoiceWebhook hook, CallStore calls, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            if (await step.RecordAsync("bridged", $"to operator call {@operator}", $"bridged:{step.Call.CallSid}"))
            {
                step.Later(calls.SetStageCommand(step.Call.Id, CallStage.Answered));
            }

            return new VoiceResponse();
        }, ct);
}
