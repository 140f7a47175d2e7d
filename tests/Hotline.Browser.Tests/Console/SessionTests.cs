using System.Net;
using System.Net.Http.Json;
using Hotline.Browser.Tests.Support;

namespace Hotline.Browser.Tests.OperatorConsole;

public sealed class SessionTests(ConsoleApp app) : ConsoleTest(app)
{
    async Task<HttpClient> SignedInAsync(string username)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(App.BaseUrl) };
        (await client.PostAsJsonAsync("/api/auth/login", new { username, password = ConsoleApp.Password })).EnsureSuccessStatusCode();
        return client;
    }

    static HttpRequestMessage BoardRead(bool background)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/board");
        if (background)
        {
            request.Headers.Add("X-Hotline-Background", "1");
        }

        return request;
    }

    [Fact]
    public async Task A_page_left_alone_loses_its_session_after_half_an_hour_however_often_it_reads_by_itself()
    {
        await App.AddStaffAsync("ana", "operator");
        await App.AddStaffAsync("bo", "operator");
        using var idle = await SignedInAsync("ana");
        using var busy = await SignedInAsync("bo");

        App.SessionClock.Advance(TimeSpan.FromMinutes(20));
        var background = await idle.SendAsync(BoardRead(background: true));
        var foreground = await busy.SendAsync(BoardRead(background: false));
        Assert.Equal(HttpStatusCode.OK, background.StatusCode);
        Assert.False(background.Headers.Contains("Set-Cookie"), "a background read renewed the session");
        Assert.True(foreground.Headers.Contains("Set-Cookie"), "a request by the user did not renew the session");

        App.SessionClock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.Unauthorized, (await idle.SendAsync(BoardRead(background: true))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await busy.SendAsync(BoardRead(background: false))).StatusCode);
    }
}
