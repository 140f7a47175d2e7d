using System.Security.Claims;
using System.Text.Encodings.Web;
using Dapper;
using Hotline.Staff;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Npgsql;

namespace Hotline.OperatorConsole;

// Every page is the same small shell: who is signed in, their language, the antiforgery token, and the script
// that draws the page from the JSON API. Nothing a resident said is ever put into this HTML.
public sealed class ConsolePages(NpgsqlDataSource db, IAntiforgery antiforgery)
{
    public static readonly (string Path, string Page)[] Routes =
    [
        ("/", "board"),
        ("/calls", "calls"),
        ("/calls/{callSid}", "call"),
        ("/voicemails", "voicemails"),
        ("/needs", "needs"),
        ("/needs/{id:long}", "need"),
        ("/residents", "residents"),
        ("/residents/{id:long}", "resident"),
        ("/supervisor", "supervisor"),
    ];

    static readonly Dictionary<string, string> Scripts = new()
    {
        ["board"] = "board", ["calls"] = "calls", ["call"] = "calls", ["voicemails"] = "voicemails", ["needs"] = "needs",
        ["need"] = "needs", ["residents"] = "residents", ["resident"] = "residents", ["supervisor"] = "supervisor", ["forbidden"] = "console",
    };

    sealed record Member
    {
        public long Id { get; init; }
        public string DisplayName { get; init; } = "";
        public string Role { get; init; } = "";
        public string Language { get; init; } = "";
    }

    public async Task<IResult> RenderAsync(string page, HttpContext http, CancellationToken ct)
    {
        Member? member;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            member = await conn.QuerySingleOrDefaultAsync<Member>(
                "SELECT id, display_name, role, language FROM staff WHERE id = @id", new { id = http.User.StaffId() });
        }

        if (member is null)
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/login");
        }

        var status = StatusCodes.Status200OK;
        if (page == "supervisor" && member.Role != Roles.Supervisor)
        {
            page = "forbidden";
            status = StatusCodes.Status403Forbidden;
        }

        var token = antiforgery.GetAndStoreTokens(http).RequestToken ?? "";
        var e = HtmlEncoder.Default;
        var html = $"""
            <!doctype html>
            <html lang="{e.Encode(member.Language)}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="{e.Encode(token)}">
            <title>Hotline</title>
            <link rel="stylesheet" href="/console/console.css">
            <script src="/console/i18n.js" defer></script>
            <script src="/console/console.js" defer></script>
            <script src="/console/{Scripts[page]}.js" defer></script>
            </head>
            <body data-page="{page}" data-role="{e.Encode(member.Role)}" data-staff-id="{member.Id}" data-staff-name="{e.Encode(member.DisplayName)}">
            <header id="top"></header>
            <main id="app"><p class="loading">…</p></main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    public IResult Login(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            return Results.Redirect("/");
        }

        const string html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Hotline</title>
            <link rel="stylesheet" href="/console/console.css">
            <script src="/console/i18n.js" defer></script>
            <script src="/console/login.js" defer></script>
            </head>
            <body data-page="login">
            <main id="app" class="login"></main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
