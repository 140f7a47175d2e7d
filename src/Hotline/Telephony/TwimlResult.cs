namespace Hotline.Telephony;

// Every /twilio/* answer is TwiML, even for callbacks whose answer Twilio ignores, so that a stored answer
// can be replayed for a retried delivery without knowing which kind of webhook it was.
public sealed record TwimlResult(string Xml) : IResult
{
    public const string ContentType = "application/xml";

    public static readonly TwimlResult Empty = new("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>");

    public static TwimlResult From(Twilio.TwiML.TwiML twiml) => new(twiml.ToString(System.Xml.Linq.SaveOptions.DisableFormatting));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.ContentType = ContentType;
        return httpContext.Response.WriteAsync(Xml, httpContext.RequestAborted);
    }
}
