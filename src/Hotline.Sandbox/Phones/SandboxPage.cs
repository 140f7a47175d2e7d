using System.Net;
using System.Text;

namespace Hotline.Sandbox.Phones;

// A plain page for people: every phone, the SMS it got and the calls it was on, and the last REST requests.
internal static class SandboxPage
{
    public static string Render(TwilioSandbox sandbox)
    {
        var html = new StringBuilder();
        html.Append("""
            <!doctype html><html><head><meta charset="utf-8"><title>Twilio sandbox</title>
            <meta http-equiv="refresh" content="5">
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}
            td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}h2{margin-top:1.5em}</style>
            </head><body><h1>Twilio sandbox</h1>
            """);
        html.Append($"<p>App: {E(sandbox.Options.AppBaseUrl)} &middot; account {E(sandbox.Options.AccountSid)} &middot; speed {sandbox.Clock.Speed}x</p>");

        foreach (var phone in sandbox.Phones.All())
        {
            html.Append($"<h2>{E(phone.Number)}</h2><p>Answers: {phone.Behaviour.Answer}</p>");
            if (phone.Messages.Count > 0)
            {
                html.Append("<table><tr><th>SMS received</th><th>From</th><th>Via</th><th>Body</th></tr>");
                foreach (var sms in phone.Messages)
                {
                    html.Append($"<tr><td>{sms.At:u}</td><td>{E(sms.From)}</td><td>{E(sms.Via)}</td><td>{E(sms.Body)}</td></tr>");
                }

                html.Append("</table>");
            }

            if (phone.Calls.Count > 0)
            {
                html.Append("<table><tr><th>Call</th><th>Role</th><th>Other party</th><th>Status</th><th>Seconds</th><th>Heard</th><th>Pressed</th></tr>");
                foreach (var call in phone.Calls)
                {
                    html.Append($"<tr><td>{call.At:u}</td><td>{E(call.Role)}</td><td>{E(call.OtherParty)}</td><td>{E(call.Status)}</td>")
                        .Append($"<td>{call.DurationSeconds}</td><td>{string.Join("<br>", call.Said.Select(E))}</td><td>{E(call.DigitsPressed)}</td></tr>");
                }

                html.Append("</table>");
            }
        }

        html.Append("<h2>REST requests</h2><table><tr><th>At</th><th>Request</th><th>Status</th><th>To</th></tr>");
        foreach (var request in sandbox.Requests.All().TakeLast(50).Reverse())
        {
            html.Append($"<tr><td>{request.At:u}</td><td>{E(request.Method)} {E(request.Path)}</td><td>{request.Status}</td><td>{E(request.Param("To") ?? "")}</td></tr>");
        }

        return html.Append("</table></body></html>").ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
