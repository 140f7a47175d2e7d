using System.Xml.Linq;

namespace Hotline.Sandbox.Twiml;

// What executing a verb or a document leads to.
internal abstract record Flow
{
    // The verb finished; go on with the next one (or, at the end of a document, the call ends).
    public static readonly Flow Next = new NextVerb();

    // The call's wait was cut short: the caller hung up, or (in a queue) another call took the caller.
    public static readonly Flow Interrupted = new InterruptedFlow();

    public static readonly Flow Hangup = new HangupVerb();
    public static readonly Flow Leave = new LeaveVerb();

    public sealed record NextVerb : Flow;
    public sealed record InterruptedFlow : Flow;
    public sealed record HangupVerb : Flow;
    public sealed record LeaveVerb : Flow;

    // Request a new document (Redirect, an action URL).
    public sealed record Fetch(Uri Url, string Method, IReadOnlyList<KeyValuePair<string, string>> Params) : Flow;

    // A document given inline (the Twiml parameter of Calls.json); relative URLs resolve against BaseUrl.
    public sealed record Inline(XElement Response, Uri BaseUrl) : Flow;

    public sealed record Reject(string Reason) : Flow;

    // The app did not give a usable document; Twilio says so to the caller and hangs up.
    // ErrorCode and ErrorUrl are what a Voice Fallback URL request reports.
    public sealed record Failed(string Reason, string ErrorCode = "11200", Uri? ErrorUrl = null) : Flow;
}
