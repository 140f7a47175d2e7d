using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Hotline.Staff;

namespace Hotline.Tests.Support;

public static class StaffLogin
{
    public const string Password = "correct horse battery staple";

    public static async Task AddStaffAsync(HotlineFixture fixture, string username, string role, bool onDuty = false)
    {
        var hash = new PasswordHasher<StaffMember>().HashPassword(new StaffMember(), Password);
        await using var conn = await fixture.Db.OpenConnectionAsync();
        await Dapper.SqlMapper.ExecuteAsync(conn,
            "INSERT INTO staff (username, display_name, role, password_hash, on_duty) VALUES (@username, @username, @role, @hash, @onDuty)",
            new { username, role, hash, onDuty });
    }

    // A client with a logged-in session cookie, sending the session's antiforgery token on every request as the
    // console's pages do (state-changing API calls are refused without it).
    public static Task<HttpClient> LoggedInAsync(HotlineFixture fixture, string username) => LoggedInAsync(fixture.Factory, username);

    // On a given app host (e.g. a second instance on the same database).
    public static async Task<HttpClient> LoggedInAsync(WebApplicationFactory<Program> app, string username)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password = Password });
        response.EnsureSuccessStatusCode();
        var csrf = await client.GetFromJsonAsync<CsrfToken>("/api/auth/csrf");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", csrf!.Token);
        return client;
    }

    sealed record CsrfToken(string Token);
}
