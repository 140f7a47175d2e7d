extern alias sandbox;
using System.Net;
using System.Text;
using Hotline.Tests.Support;
using sandbox::Hotline.Sandbox.Webhooks;

namespace Hotline.Tests.Resilience;

// A seeded fuzzing pass over every webhook's form fields: random, missing, huge, non-UTF-8, SQL and HTML payloads.
// Each case is signed correctly, so it reaches the handlers; none may get a 500 or break the app for the next caller.
// The seed makes the cases the same on every run, so a case that once failed stays a test.
public sealed class WebhookFuzzTests(HotlineFixture fixture) : HotlineTest(fixture)
{
    public const int Seed = 20261128;
    public const int CasesPerPath = 40;

    static readonly string[] Paths =
    [
        "/twilio/voice/incoming", "/twilio/voice/language", "/twilio/voice/menu?attempt=1", "/twilio/voice/menu?attempt=x&timeout=%00",
        "/twilio/voice/queue/wait", "/twilio/voice/queue/callback", "/twilio/voice/queue/done", "/twilio/voice/status",
        "/twilio/voice/voicemail/recorded", "/twilio/voice/voicemail/recording-status", "/twilio/voice/voicemail/transcription",
        "/twilio/voice/fallback", "/twilio/sms/incoming", "/twilio/sms/status",
    ];

    static readonly string[] Fields =
    [
        "CallSid", "From", "To", "Direction", "CallStatus", "Digits", "SequenceNumber", "CallDuration", "Timestamp", "QueuePosition",
        "QueueTime", "QueueResult", "RecordingSid", "RecordingUrl", "RecordingDuration", "RecordingStatus", "TranscriptionText",
        "TranscriptionStatus", "MessageSid", "Body", "MessageStatus", "ErrorCode", "ErrorUrl",
    ];

    static readonly string[] Nasty =
    [
        "", " ", "0", "-1", "2147483648", "99999999999999999999", "1e309", "NaN", "null", "true", "[]", "{}", "\0", "\0\0abc",
        "'; DROP TABLE calls; --", "\" OR \"1\"=\"1", "<script>alert(1)</script>", "<?xml version=\"1.0\"?><Response><Dial>+1</Dial></Response>",
        "]]><Hangup/><![CDATA[", "%00%ff", "../../etc/passwd", "+8613800000001", "+86 138 0000 0001", "anonymous", "ＡＣＫ １２３",
        "completed", "in-progress", "bridged", "leave", "hangup", "1", "2", "9", "#", "*", "12345678901234567890",
        "2026-13-45T99:99:99Z", "Sat, 28 Nov 2026 12:00:00 +0000", "CA" + new string('f', 32), "RE" + new string('0', 32),
        "\u202E\u0041\u0042", "🙂🙂🙂", "\ud800", new string('x', 5000), new string('9', 60_000),
    ];

    [Fact]
    public async Task Fuzzed_webhooks_never_get_a_500_and_the_next_caller_is_still_served()
    {
        var random = new Random(Seed);
        var client = Fixture.Factory.CreateClient();
        var failures = new List<string>();
        var tried = 0;

        foreach (var path in Paths)
        {
            for (var i = 0; i < CasesPerPath; i++)
            {
                var form = RandomForm(random);
                var (status, body) = await PostRawAsync(client, path, form, nonUtf8: random.Next(8) == 0);
                tried++;
                if (status >= 500)
                {
                    failures.Add($"{path} {status} {string.Join('&', form.Select(f => $"{f.Key}={Clip(f.Value)}"))} -> {Clip(body)}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} cases got a 5xx:\n{string.Join("\n", failures.Take(20))}");
        var caller = new Caller(Twilio, Caller.NewPhone());
        Assert.Contains("Gather", (await caller.Dial()).Verbs);
    }

    [Fact]
    public async Task Oversized_bodies_are_413_and_wrong_content_types_415()
    {
        var client = Fixture.Factory.CreateClient();
        var huge = new Dictionary<string, string> { ["CallSid"] = "CA1", ["Body"] = new string('x', 70_000) };
        Assert.Equal(413, (await PostRawAsync(client, "/twilio/sms/incoming", huge, nonUtf8: false)).Status);

        foreach (var type in new[] { "application/json", "text/plain", "application/xml" })
        {
            using var content = new StringContent("CallSid=CA1", Encoding.UTF8, type);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync("/twilio/voice/incoming", content)).StatusCode);
        }
    }

    static Dictionary<string, string> RandomForm(Random random)
    {
        var form = new Dictionary<string, string>();
        // Usually the identifiers a handler needs, so the fuzz reaches past the first check.
        if (random.Next(4) > 0)
        {
            form["CallSid"] = "CA" + random.Next(1000);
        }

        if (random.Next(4) > 0)
        {
            form["MessageSid"] = "SM" + random.Next(1000);
        }

        for (var n = random.Next(0, 8); n > 0; n--)
        {
            form[Fields[random.Next(Fields.Length)]] = Value(random);
        }

        if (random.Next(10) == 0)
        {
            form[Value(random) is { Length: > 0 and < 100 } key ? key : "x"] = Value(random);
        }

        return form;
    }

    static string Value(Random random) => random.Next(3) switch
    {
        0 => Nasty[random.Next(Nasty.Length)],
        1 => new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(1, 0x3000)).ToArray()),
        _ => Nasty[random.Next(Nasty.Length)] + Nasty[random.Next(Nasty.Length)],
    };

    // Builds the body by hand so that it can carry bytes that are not UTF-8, and signs what the app will decode.
    static async Task<(int Status, string Body)> PostRawAsync(HttpClient client, string path, Dictionary<string, string> form, bool nonUtf8)
    {
        var body = string.Join('&', form.Select(f => Uri.EscapeDataString(f.Key) + "=" + (nonUtf8 ? "%FF%FE" : "") + Uri.EscapeDataString(ScrubSurrogates(f.Value))));
        var decoded = form.ToDictionary(f => ScrubSurrogates(f.Key), f => (nonUtf8 ? "\uFFFD\uFFFD" : "") + ScrubSurrogates(f.Value));
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(Encoding.ASCII.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        request.Headers.Add("X-Twilio-Signature", WebhookSigner.Sign(HotlineFixture.AuthToken, HotlineFixture.PublicBaseUrl + path, decoded));
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // A lone surrogate cannot be sent as UTF-8 at all; what would arrive is the replacement character.
    static string ScrubSurrogates(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

    static string Clip(string value) => value.Length > 60 ? value[..60] + "…" : value;
}
