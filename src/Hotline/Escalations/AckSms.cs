using System.Text.RegularExpressions;
using Dapper;
using Hotline.Calls;
using Hotline.Infrastructure;
using Hotline.Needs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hotline.Escalations;

// AfterCommit: what to do once the caller's transaction has committed.
public sealed record AckSmsReply(string Text, Action AfterCommit);

// "ACK 104527" from a staff phone acknowledges need 104527. An SMS from a staff phone is never a resident's request,
// and an ACK from anyone else changes nothing; both get an answer that says what happened.
public sealed partial class AckSms(EscalationStore store, Acknowledgements acks, AlertTexts texts, IOptions<IvrOptions> ivr, ILogger<AckSms> logger)
{
    [GeneratedRegex(@"^\s*ACK\b[\s:#.,-]*(\S*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AckPattern();

    static void Nothing()
    {
    }

    sealed record Sender
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string Language { get; init; } = "";
    }

    // Null when the SMS is not for us: a resident's message, which opens a need as usual.
    public async Task<AckSmsReply?> TryHandleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long messageId, string from, string body, DateTime now)
    {
        var match = AckPattern().Match(body);
        var staff = await conn.QuerySingleOrDefaultAsync<Sender>("SELECT id, username, language FROM staff WHERE phone = @from", new { from }, tx);
        if (staff is null)
        {
            if (!match.Success)
            {
                return null;
            }

            logger.LogWarning("ACK by SMS from {From}, which is not a staff phone; nothing acknowledged", Phones.Mask(from));
            // We do not know who this is, so the answer goes out in every language.
            return new AckSmsReply(string.Join("\n", ivr.Value.Languages.Values.Select(p => p.AckSmsNotStaff)), Nothing);
        }

        var prompts = texts.For(staff.Language);
        var code = match.Success ? match.Groups[1].Value.TrimEnd('.', ',', '!') : "";
        if (code.Length == 0)
        {
            return new AckSmsReply(prompts.AckSmsHowTo, Nothing);
        }

        var need = ReferenceCode.IsWellFormed(code) ? await store.FindNeedByReferenceAsync(conn, tx, code) : null;
        if (need is null)
        {
            return new AckSmsReply(prompts.AckSmsUnknownCode.Replace("{code}", code.Length > 20 ? code[..20] : code), Nothing);
        }

        await conn.ExecuteAsync("UPDATE messages SET need_id = coalesce(need_id, @needId) WHERE id = @messageId", new { needId = need.Id, messageId }, tx);
        var result = await acks.AcknowledgeAsync(conn, tx, need.Id, staff.Id, "staff:" + staff.Username, Acknowledgements.ViaSms, now);
        // The same SMS delivered twice, or a second ACK from whoever acknowledged: the same answer as the first time.
        var done = result.Changed || (result.Need?.Status == "acknowledged" && result.Need.AcknowledgedBy == staff.Id);
        return new AckSmsReply(AlertTexts.WithReference(done ? prompts.AckSmsDone : prompts.AckSmsAlready, need.Reference), () => acks.AfterCommit(result));
    }
}
