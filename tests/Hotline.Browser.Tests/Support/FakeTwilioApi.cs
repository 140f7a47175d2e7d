using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hotline.Browser.Tests.Support;

// The few Twilio REST answers the console's pages need: a recording's audio (a short tone, so the browser really
// plays something) and accepted calls and messages. It listens on loopback only.
public sealed class FakeTwilioApi : IAsyncDisposable
{
    readonly WebApplication app;

    public ConcurrentQueue<(string To, string Url)> PlacedCalls { get; } = new();

    public string BaseUrl { get; }

    FakeTwilioApi(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<FakeTwilioApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeTwilioApi? self = null;
        app.MapGet("/2010-04-01/Accounts/{account}/Recordings/{file}", () => Results.Bytes(Tone(seconds: 2), "audio/wav"));
        app.MapPost("/2010-04-01/Accounts/{account}/Calls.json", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            self!.PlacedCalls.Enqueue((form["To"].ToString(), form["Url"].ToString()));
            return Results.Json(new { sid = "CA" + Guid.NewGuid().ToString("N"), status = "queued" });
        });
        app.MapPost("/2010-04-01/Accounts/{account}/Messages.json", () =>
            Results.Json(new { sid = "SM" + Guid.NewGuid().ToString("N"), status = "queued" }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeTwilioApi(app, address);
        return self;
    }

    // 8 kHz mono 16-bit PCM: a 440 Hz tone.
    static byte[] Tone(int seconds)
    {
        const int rate = 8000;
        var samples = rate * seconds;
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write("RIFF"u8);
        w.Write(36 + samples * 2);
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(samples * 2);
        for (var i = 0; i < samples; i++)
        {
            w.Write((short)(Math.Sin(2 * Math.PI * 440 * i / rate) * 8000));
        }

        w.Flush();
        return stream.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
