using System.Net.Http.Headers;

namespace Hotline.Sandbox.Webhooks;

// Makes every request to the app the way Twilio does: a form POST signed with X-Twilio-Signature over the exact URL,
// with a fresh I-Twilio-Idempotency-Token that is reused only when a connection failure makes us retry once.
public sealed class AppClient(HttpClient http, SandboxOptions options)
{
    private volatile HttpClient http = http;
    private long answered;

    // Requests the app has finished with (answered, refused or timed out): a test's reset compares it before and
    // after emptying the app's tables to know that nothing was written into them since.
    public long Answered => Interlocked.Read(ref answered);

    public Uri AppBase => new(options.AppBaseUrl.TrimEnd('/') + "/");

    // Swaps how the app is reached (e.g. to a WebApplicationFactory created after the sandbox); returns the old client.
    internal HttpClient Use(HttpClient client)
    {
        var old = http;
        http = client;
        return old;
    }

    // Relative URLs resolve against the document being executed, or the app base when there is none.
    public Uri Resolve(string url, Uri? relativeTo = null) => new(relativeTo ?? AppBase, url.Trim());

    public async Task<AppRequest> SendAsync(Uri url, string method, IReadOnlyList<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        try
        {
            return await SendSignedAsync(url, method, form, ct);
        }
        finally
        {
            Interlocked.Increment(ref answered);
        }
    }

    private async Task<AppRequest> SendSignedAsync(Uri url, string method, IReadOnlyList<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        var isGet = string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase);
        var target = isGet ? WithQuery(url, form) : url;
        var signedForm = isGet ? [] : form;
        var signature = WebhookSigner.Sign(options.AuthToken, target.AbsoluteUri, signedForm);
        var token = Guid.NewGuid().ToString("N");
        var at = DateTimeOffset.UtcNow;

        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(isGet ? HttpMethod.Get : HttpMethod.Post, target);
            request.Headers.TryAddWithoutValidation("X-Twilio-Signature", signature);
            request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", token);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("TwilioProxy", "1.1"));
            if (!isGet)
            {
                request.Content = new FormUrlEncodedContent(form);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.AppTimeoutSeconds));
            try
            {
                using var response = await http.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                return new AppRequest(at, request.Method.Method, target.AbsoluteUri, form, token, (int)response.StatusCode, body, null);
            }
            catch (HttpRequestException) when (attempt == 1 && !ct.IsCancellationRequested)
            {
                // Twilio retries once on a connection failure, with the same idempotency token.
            }
            catch (HttpRequestException e)
            {
                var reason = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
                return new AppRequest(at, request.Method.Method, target.AbsoluteUri, form, token, 0, "", reason);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The pool's state tells a silent app from a starved process (in the tests, app and sandbox share one).
                return new AppRequest(at, request.Method.Method, target.AbsoluteUri, form, token, 0, "",
                    $"no answer within {options.AppTimeoutSeconds} s (Twilio error 11205; this process then had " +
                    $"{ThreadPool.ThreadCount} pool threads and {ThreadPool.PendingWorkItemCount} work items waiting for one)");
            }
        }
    }

    private static Uri WithQuery(Uri url, IReadOnlyList<KeyValuePair<string, string>> form)
    {
        if (form.Count == 0)
        {
            return url;
        }

        var query = string.Join('&', form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var builder = new UriBuilder(url) { Query = string.IsNullOrEmpty(url.Query) ? query : url.Query.TrimStart('?') + "&" + query };
        return builder.Uri;
    }
}
