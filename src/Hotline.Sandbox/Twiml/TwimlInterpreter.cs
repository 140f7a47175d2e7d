using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Hotline.Sandbox.Calls;

namespace Hotline.Sandbox.Twiml;

// Executes TwiML for a call the way Twilio does, for inbound and outbound calls alike. Each verb lives in its own
// partial file; this one holds the document loop and the verbs that only take time.
internal sealed partial class TwimlInterpreter(TwilioSandbox sandbox)
{
    private const string ApplicationError = "We are sorry, an application error has occurred. Goodbye.";

    // A Redirect loop with nothing that takes time would otherwise hammer the app for ever.
    private const int MaxDocumentsPerCall = 2000;

    private SandboxClock Clock => sandbox.Clock;

    // Plays documents until the call is over; ends the call from Twilio's side when the TwiML runs out.
    public async Task<Flow> RunCallAsync(CallSession call, Flow start, CancellationToken ct)
    {
        var flow = await RunDocumentsAsync(call, start, null, ct);
        switch (flow)
        {
            case Flow.Reject reject:
                call.End("app", $"rejected ({reject.Reason})");
                break;
            case Flow.Failed failed:
                call.Step("error", failed.Reason);
                call.Step("say", ApplicationError);
                call.End("app", "application error");
                break;
            case Flow.HangupVerb:
                call.End("app", "<Hangup>");
                break;
            default:
                call.End("app", "end of TwiML");
                break;
        }

        return flow;
    }

    internal async Task<Flow> RunDocumentsAsync(CallSession call, Flow start, QueueWait? queue, CancellationToken ct)
    {
        var interrupt = queue?.Token ?? call.Token;
        var flow = start;
        while (true)
        {
            XElement response;
            Uri documentUrl;
            switch (flow)
            {
                case Flow.Fetch fetch:
                    if (interrupt.IsCancellationRequested)
                    {
                        return Flow.Interrupted;
                    }

                    if (call.CountDocument() > MaxDocumentsPerCall)
                    {
                        return new Flow.Failed($"more than {MaxDocumentsPerCall} TwiML documents on one call");
                    }

                    var (fetched, failure) = await FetchAsync(call, fetch, queue, ct);
                    if (fetched is null && FallbackFor(call, fetch, failure!, queue) is { } fallback)
                    {
                        // The rest of the call follows the fallback's document: its relative URLs resolve against it.
                        call.Step("fallback", $"{failure!.Reason}; requesting the Voice Fallback URL {fallback.Url}");
                        (fetched, failure) = await FetchAsync(call, fallback, queue, ct);
                        fetch = fallback;
                    }

                    if (fetched is null)
                    {
                        return failure!;
                    }

                    response = fetched;
                    documentUrl = fetch.Url;
                    break;
                case Flow.Inline inline:
                    response = inline.Response;
                    documentUrl = inline.BaseUrl;
                    break;
                default:
                    return flow;
            }

            flow = await ExecuteAsync(call, response, documentUrl, queue, ct);
        }
    }

    private async Task<(XElement? Response, Flow.Failed? Failure)> FetchAsync(CallSession call, Flow.Fetch fetch, QueueWait? queue, CancellationToken ct)
    {
        var form = call.BaseParams();
        if (queue is not null)
        {
            form.AddRange(queue.Params());
        }

        form.AddRange(fetch.Params);
        if (!call.IsAnswered && call.Direction == "inbound")
        {
            // Twilio answers an inbound call as it fetches the first document.
            call.MarkAnswered();
        }

        var answer = await sandbox.App.SendAsync(fetch.Url, fetch.Method, form, ct);
        call.Record(answer);
        if (!answer.Succeeded)
        {
            var code = answer.Error?.Contains("11205", StringComparison.Ordinal) == true ? "11205" : "11200";
            return (null, new Flow.Failed(
                $"{fetch.Url} answered {(answer.Error ?? answer.Status.ToString(CultureInfo.InvariantCulture))} (Twilio error {code})", code, fetch.Url));
        }

        return Parse(answer.Body) is { } response
            ? (response, null)
            : (null, new Flow.Failed($"{fetch.Url} did not return a TwiML <Response> (Twilio error 12100)", "12100", fetch.Url));
    }

    // Twilio requests the number's Voice Fallback URL when it cannot retrieve or execute a document of an inbound call,
    // with the failed request's parameters plus ErrorCode and ErrorUrl; not when the fallback itself failed. Not for a
    // queue's wait documents (whose verbs are restricted) nor for callbacks and after-hang-up actions (no TwiML to run).
    private Flow.Fetch? FallbackFor(CallSession call, Flow.Fetch failed, Flow.Failed failure, QueueWait? queue)
    {
        if (call.Direction != "inbound" || queue is not null || string.IsNullOrWhiteSpace(sandbox.Options.VoiceFallbackUrl))
        {
            return null;
        }

        var url = sandbox.App.Resolve(sandbox.Options.VoiceFallbackUrl);
        if (failed.Url == url)
        {
            return null;
        }

        return new Flow.Fetch(url, "POST", [.. failed.Params, P("ErrorCode", failure.ErrorCode), P("ErrorUrl", failed.Url.AbsoluteUri)]);
    }

    internal static XElement? Parse(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            // An empty 200 is an empty document: the call simply ends.
            return new XElement("Response");
        }

        try
        {
            var root = XDocument.Parse(body).Root;
            return root?.Name.LocalName == "Response" ? root : null;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private async Task<Flow> ExecuteAsync(CallSession call, XElement response, Uri documentUrl, QueueWait? queue, CancellationToken ct)
    {
        var interrupt = queue?.Token ?? call.Token;
        foreach (var verb in response.Elements())
        {
            if (interrupt.IsCancellationRequested)
            {
                return Flow.Interrupted;
            }

            var flow = verb.Name.LocalName switch
            {
                "Say" => await SayAsync(call, verb, interrupt),
                "Play" => await PlayAsync(call, verb, interrupt),
                "Pause" => await PauseAsync(call, verb, interrupt),
                "Gather" => await GatherAsync(call, verb, documentUrl, queue, ct),
                "Redirect" => Redirect(call, verb, documentUrl),
                "Record" => await RecordAsync(call, verb, documentUrl, ct),
                "Enqueue" when queue is null => await EnqueueAsync(call, verb, documentUrl, ct),
                "Leave" when queue is not null => Flow.Leave,
                "Dial" => await DialAsync(call, verb, documentUrl, ct),
                "Hangup" => Flow.Hangup,
                "Reject" => new Flow.Reject(Attr(verb, "reason") ?? "rejected"),
                var name => Unsupported(call, name, queue is not null),
            };

            if (flow is not Flow.NextVerb)
            {
                return flow;
            }
        }

        return Flow.Next;
    }

    private static Flow Unsupported(CallSession call, string verb, bool inQueue)
    {
        call.Step("note", $"<{verb}> ignored{(inQueue ? " in a wait document" : "")}");
        return Flow.Next;
    }

    private static Flow Redirect(CallSession call, XElement verb, Uri documentUrl)
    {
        var target = new Uri(documentUrl, verb.Value.Trim());
        call.Step("redirect", target.AbsoluteUri);
        return new Flow.Fetch(target, Method(verb), []);
    }

    // Speaking takes time in proportion to the text, so hang-up timers and queue waits behave plausibly.
    private async Task<Flow> SayAsync(CallSession call, XElement verb, CancellationToken interrupt)
    {
        var text = verb.Value.Trim();
        var seconds = Math.Max(1, text.Length / 15.0);
        var language = Attr(verb, "language");
        foreach (var _ in Loops(verb))
        {
            call.Step("say", text, language);
            if (!await Clock.TryDelayAsync(TimeSpan.FromSeconds(seconds), interrupt))
            {
                return Flow.Interrupted;
            }
        }

        return Flow.Next;
    }

    private async Task<Flow> PlayAsync(CallSession call, XElement verb, CancellationToken interrupt)
    {
        var url = verb.Value.Trim();
        var digits = Attr(verb, "digits");
        foreach (var _ in Loops(verb))
        {
            call.Step("play", digits is null ? url : $"digits {digits}");
            if (!await Clock.TryDelayAsync(TimeSpan.FromSeconds(5), interrupt))
            {
                return Flow.Interrupted;
            }
        }

        return Flow.Next;
    }

    private async Task<Flow> PauseAsync(CallSession call, XElement verb, CancellationToken interrupt)
    {
        var length = AttrDouble(verb, "length") ?? 1;
        call.Step("pause", $"{length:0.#} s");
        return await Clock.TryDelayAsync(TimeSpan.FromSeconds(length), interrupt) ? Flow.Next : Flow.Interrupted;
    }

    // loop="0" repeats until something interrupts it (a hang-up, being taken from a queue); capped to stay finite.
    private static IEnumerable<int> Loops(XElement verb)
    {
        var loop = AttrInt(verb, "loop") ?? 1;
        return Enumerable.Range(0, loop <= 0 ? 1000 : loop);
    }

    internal static string? Attr(XElement element, string name) =>
        element.Attribute(name)?.Value is { Length: > 0 } value ? value.Trim() : null;

    internal static int? AttrInt(XElement element, string name) =>
        int.TryParse(Attr(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    internal static double? AttrDouble(XElement element, string name) =>
        double.TryParse(Attr(element, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    internal static bool AttrBool(XElement element, string name, bool fallback) =>
        Attr(element, name)?.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => fallback,
        };

    internal static string Method(XElement element, string attribute = "method") =>
        Attr(element, attribute)?.ToUpperInvariant() == "GET" ? "GET" : "POST";

    internal static Uri? Url(XElement element, string attribute, Uri documentUrl) =>
        Attr(element, attribute) is { } url ? new Uri(documentUrl, url) : null;

    internal static KeyValuePair<string, string> P(string key, string value) => new(key, value);

    internal static KeyValuePair<string, string> P(string key, int value) => new(key, value.ToString(CultureInfo.InvariantCulture));
}
