using Hotline.Calls;
using Hotline.Needs;
using Hotline.Staff;
using Hotline.Telephony;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Wellness;

public static class WellnessEndpoints
{
    public static RouteGroupBuilder MapWellnessWebhooks(this RouteGroupBuilder twilio)
    {
        var wellness = twilio.MapGroup("/voice/wellness");
        wellness.MapPost("", Answered);
        wellness.MapPost("/answer", Answer);
        return twilio;
    }

    public static RouteGroupBuilder MapWellness(this RouteGroupBuilder api)
    {
        api.MapGet("/wellness/today", Today);
        api.MapPost("/wellness/round", RunRound).RequireAuthorization(Policies.Supervisor);
        return api;
    }

    // The resident picked up: "Press 1 if you are well. Press 2 if you need help."
    static Task<TwimlResult> Answered(IFormCollection form, long check, VoiceWebhook hook, CallStore calls, WellnessResponses twiml,
        IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), step =>
        {
            step.Later(calls.SetStageCommand(step.Call.Id, "wellness"));
            step.Note("wellness_prompt", $"check {check}", $"wellness_prompt:{step.Call.CallSid}");
            return twiml.Ask([ivr.Value.For(Language(step, ivr.Value))], check, attempt: 1);
        }, ct);

    static Task<TwimlResult> Answer(IFormCollection form, long check, int? attempt, VoiceWebhook hook, WellnessStore store, NeedStore needs,
        CallRouting routing, WellnessResponses twiml, IOptions<IvrOptions> ivr, CancellationToken ct) =>
        hook.RunAsync(new TwilioForm(form), async step =>
        {
            LanguagePrompts[] theirLanguage = [ivr.Value.For(Language(step, ivr.Value))];
            var digits = step.Form["Digits"];
            var current = await store.LockAsync(step.Conn, step.Tx, check);
            if (current is null)
            {
                throw new BadWebhookException($"There is no wellness check {check}.");
            }

            // A check not settled yet takes the answer, even from an attempt given up on (its call came through late);
            // a repeated webhook gets the same answer back and changes nothing.
            var open = current.Status is WellnessStatus.Calling or WellnessStatus.Pending;
            switch (digits)
            {
                case "1":
                    if (open)
                    {
                        await store.FinishAsync(step.Conn, step.Tx, check, WellnessStatus.Well, "pressed 1", needId: null, step.Now);
                    }

                    await step.RecordAsync("wellness_well", "pressed 1", $"wellness_answer:{step.Call.CallSid}");
                    return twiml.Well(theirLanguage);
                case "2":
                    var need = await needs.OpenAsync(step.Conn, step.Tx, new NewNeed(
                        WellnessNeeds.Source, WellnessNeeds.HelpCategory, current.Phone, current.ResidentId, step.Call.ResidentFlags,
                        CallId: step.Call.Id, Summary: "Wellness call: the resident pressed 2 for help.", Urgency: Urgency.Urgent), step.Now);
                    if (open)
                    {
                        await store.FinishAsync(step.Conn, step.Tx, check, WellnessStatus.NeedsHelp, "pressed 2", need.Id, step.Now);
                    }

                    await step.RecordAsync("wellness_help", "pressed 2", $"wellness_answer:{step.Call.CallSid}");
                    await step.RecordAsync("need_opened", $"{need.Reference} {need.Category} {need.Urgency}", $"need:{step.Call.CallSid}");
                    return await routing.ToOperatorsAsync(step, need);
                default:
                    await step.RecordAsync("wellness_no_choice", VoiceEndpoints.Describe(digits));
                    return twiml.AskAgainOrGoodbye(theirLanguage, check, attempt);
            }
        }, ct);

    static string Language(VoiceStep step, IvrOptions ivr) => step.Call.KnownLanguage ?? ivr.DefaultLanguage;

    public sealed record WellnessDay(
        string Day, int Total, int Reached, int Well, int NeedsHelp, int NotReached, int InProgress, int CalledIn,
        IReadOnlyList<WellnessStore.DayCheck> Checks);

    // Runs today's round now instead of waiting for Wellness:Cron: residents flagged since the morning's round are
    // called today, and everyone already in the round is left alone (the round adds only residents without a check).
    static async Task<Results<Ok<WellnessDay>, ProblemHttpResult>> RunRound(WellnessRoundJob round, NpgsqlDataSource db, WellnessStore store,
        IOptions<WellnessOptions> options, TimeProvider clock, CancellationToken ct)
    {
        await round.RunAsync(ct);
        return await Today(null, db, store, options, clock, ct);
    }

    // Today's round (or ?date=yyyy-MM-dd) in the configured time zone: reached = well + needs help.
    static async Task<Results<Ok<WellnessDay>, ProblemHttpResult>> Today(string? date, NpgsqlDataSource db, WellnessStore store,
        IOptions<WellnessOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var day = options.Value.Today(clock.GetUtcNow().UtcDateTime);
        if (!string.IsNullOrEmpty(date) && !DateOnly.TryParseExact(date, "yyyy-MM-dd", out day))
        {
            return TypedResults.Problem("date must be yyyy-MM-dd.", statusCode: StatusCodes.Status400BadRequest);
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var checks = await store.DayAsync(conn, day.ToDateTime(TimeOnly.MinValue), ct);
        int Count(params string[] statuses) => checks.Count(c => statuses.Contains(c.Status));
        return TypedResults.Ok(new WellnessDay(
            day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), checks.Count,
            Count(WellnessStatus.Well, WellnessStatus.NeedsHelp), Count(WellnessStatus.Well), Count(WellnessStatus.NeedsHelp),
            Count(WellnessStatus.NotReached), Count(WellnessStatus.Pending, WellnessStatus.Calling), Count(WellnessStatus.CalledIn),
            checks.Select(c => c with { Phone = Infrastructure.Phones.Mask(c.Phone) }).ToList()));
    }
}
