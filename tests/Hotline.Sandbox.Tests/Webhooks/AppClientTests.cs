using System.Net;
using Hotline.Sandbox.Webhooks;

namespace Hotline.Sandbox.Tests.Webhooks;

public sealed class AppClientTests
{
    [Fact]
    public async Task Connection_failure_is_retried_once_with_the_same_idempotency_token()
    {
        var handler = new FlakyHandler(failures: 1);
        var client = new AppClient(new HttpClient(handler), TwimlApp.Options());

        var answer = await client.SendAsync(new Uri("http://localhost/twilio/voice/status"), "POST", [new("CallSid", "CA1")], SandboxHarness.Timeout());

        Assert.Equal(200, answer.Status);
        Assert.Equal(2, handler.Tokens.Count);
        Assert.Equal(handler.Tokens[0], handler.Tokens[1]);
        Assert.Equal(answer.IdempotencyToken, handler.Tokens[0]);
    }

    [Fact]
    public async Task Second_connection_failure_is_reported_not_thrown()
    {
        var handler = new FlakyHandler(failures: 2);
        var client = new AppClient(new HttpClient(handler), TwimlApp.Options());

        var answer = await client.SendAsync(new Uri("http://localhost/x"), "POST", [], SandboxHarness.Timeout());

        Assert.Equal(0, answer.Status);
        Assert.NotNull(answer.Error);
        Assert.False(answer.Succeeded);
    }

    [Fact]
    public async Task Separate_requests_get_separate_tokens()
    {
        var handler = new FlakyHandler(failures: 0);
        var client = new AppClient(new HttpClient(handler), TwimlApp.Options());

        await client.SendAsync(new Uri("http://localhost/a"), "POST", [], SandboxHarness.Timeout());
        await client.SendAsync(new Uri("http://localhost/a"), "POST", [], SandboxHarness.Timeout());

        Assert.NotEqual(handler.Tokens[0], handler.Tokens[1]);
    }

    private sealed class FlakyHandler(int failures) : HttpMessageHandler
    {
        private int calls;

        public List<string> Tokens { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Tokens.Add(request.Headers.GetValues("I-Twilio-Idempotency-Token").Single());
            return ++calls <= failures
                ? throw new HttpRequestException("connection refused")
                : Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<Response/>") });
        }
    }
}
