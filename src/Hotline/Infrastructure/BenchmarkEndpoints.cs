using Hotline.Telephony;
using Microsoft.Extensions.Options;

namespace Hotline.Infrastructure;

// The framework's floor for the webhook benchmark: the same /twilio pipeline (signature check, receipts) with a
// constant answer and no database work of its own. Mapped only when Hotline:BenchmarkEndpoints is on.
public static class BenchmarkEndpoints
{
    static readonly TwimlResult Constant = TwimlResult.From(new Twilio.TwiML.VoiceResponse().Say("ok").Hangup());

    public static RouteGroupBuilder MapBenchmarkWebhooks(this RouteGroupBuilder twilio)
    {
        var options = ((IEndpointRouteBuilder)twilio).ServiceProvider.GetRequiredService<IOptions<HotlineOptions>>().Value;
        if (options.BenchmarkEndpoints)
        {
            twilio.MapPost("/bench/constant", (IFormCollection _) => Constant);
        }

        return twilio;
    }
}
