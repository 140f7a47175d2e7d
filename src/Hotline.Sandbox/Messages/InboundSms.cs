using System.Xml.Linq;
using Hotline.Sandbox.Phones;
using Hotline.Sandbox.Twiml;
using Hotline.Sandbox.Webhooks;

namespace Hotline.Sandbox.Messages;

public sealed record SmsTranscript(
    string MessageSid,
    string From,
    string To,
    string Body,
    IReadOnlyList<AppRequest> Requests,
    IReadOnlyList<ReceivedSms> Replies);

// An SMS from a resident to the hotline: posted to the messaging URL; each <Message> in the answer is an SMS
// delivered to its recipient (the resident unless `to` says otherwise).
internal sealed class InboundSms(TwilioSandbox sandbox)
{
    private const int MaxRedirects = 10;

    public async Task<SmsTranscript> SendAsync(string from, string to, string body, CancellationToken ct)
    {
        var sid = Sid.New("SM");
        var form = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", sandbox.Options.AccountSid),
            new("ApiVersion", "2010-04-01"),
            new("Body", body),
            new("From", from),
            new("MessageSid", sid),
            new("NumMedia", "0"),
            new("NumSegments", "1"),
            new("SmsMessageSid", sid),
            new("SmsSid", sid),
            new("SmsStatus", "received"),
            new("To", to),
        };

        var requests = new List<AppRequest>();
        var replies = new List<ReceivedSms>();
        var url = sandbox.App.Resolve(sandbox.Options.SmsUrl);
        var method = "POST";
        for (var hop = 0; hop < MaxRedirects; hop++)
        {
            var answer = await sandbox.App.SendAsync(url, method, form, ct);
            requests.Add(answer);
            if (!answer.Succeeded && hop == 0 && !string.IsNullOrWhiteSpace(sandbox.Options.SmsFallbackUrl))
            {
                // As Twilio does: the number's messaging fallback URL gets the same message plus ErrorCode and ErrorUrl.
                // A new list: the failed request's record keeps the form it was sent with.
                form = [.. form, new("ErrorCode", answer.Error?.Contains("11205", StringComparison.Ordinal) == true ? "11205" : "11200"),
                    new("ErrorUrl", url.AbsoluteUri)];
                url = sandbox.App.Resolve(sandbox.Options.SmsFallbackUrl);
                answer = await sandbox.App.SendAsync(url, "POST", form, ct);
                requests.Add(answer);
            }

            if (!answer.Succeeded || TwimlInterpreter.Parse(answer.Body) is not { } response)
            {
                break;
            }

            Uri? next = null;
            foreach (var verb in response.Elements())
            {
                if (verb.Name.LocalName == "Message")
                {
                    replies.Add(Deliver(verb, from, to));
                }
                else if (verb.Name.LocalName == "Redirect")
                {
                    next = new Uri(url, verb.Value.Trim());
                    method = TwimlInterpreter.Method(verb);
                    break;
                }
            }

            if (next is null)
            {
                break;
            }

            url = next;
        }

        return new SmsTranscript(sid, from, to, body, requests, replies);
    }

    private ReceivedSms Deliver(XElement message, string resident, string hotline)
    {
        var body = message.Element("Body")?.Value ?? string.Concat(message.Nodes().OfType<XText>().Select(t => t.Value));
        var sms = new ReceivedSms(
            Sid.New("SM"),
            TwimlInterpreter.Attr(message, "from") ?? hotline,
            TwimlInterpreter.Attr(message, "to") ?? resident,
            body.Trim(),
            DateTimeOffset.UtcNow,
            "twiml");
        sandbox.Phones.AddSms(sms);
        return sms;
    }
}
