using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Hotline.Staff;

public static class AuthEndpoints
{
    // Five wrong passwords in a row lock the account for a while, doubling each further time.
    const int FreeAttempts = 5;
    static readonly TimeSpan FirstLock = TimeSpan.FromSeconds(30);
    static readonly TimeSpan LongestLock = TimeSpan.FromMinutes(15);

    public static RouteGroupBuilder MapAuth(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth");
        auth.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(Infrastructure.Startup.LoginRateLimit);
        auth.MapPost("/logout", (Delegate)Logout);
        auth.MapGet("/me", Me);
        return api;
    }

    public sealed record LoginRequest(string? Username, string? Password);

    public sealed record SignedInStaff(long Id, string Username, string DisplayName, string Role, string Language);

    static async Task<Results<Ok<SignedInStaff>, UnauthorizedHttpResult, ProblemHttpResult>> Login(
        LoginRequest request, HttpContext http, StaffStore staff, TimeProvider clock, ILogger<LoginRequest> logger, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Username) || string.IsNullOrEmpty(request.Password) || request.Username.Length > 100)
        {
            return TypedResults.Problem("username and password are required.", statusCode: StatusCodes.Status400BadRequest);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var member = await staff.FindByUsernameAsync(request.Username.Trim(), ct);
        if (member is null)
        {
            // Same answer as a wrong password, so the endpoint does not tell which usernames exist.
            logger.LogWarning("Login refused for unknown user");
            return TypedResults.Unauthorized();
        }

        if (member.LockedUntil > now)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling((member.LockedUntil.Value - now).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem("Too many failed logins; try again later.", statusCode: StatusCodes.Status429TooManyRequests);
        }

        var verdict = new PasswordHasher<StaffMember>().VerifyHashedPassword(member, member.PasswordHash, request.Password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var failures = member.FailedLogins + 1;
            DateTime? lockedUntil = failures >= FreeAttempts ? now + LockFor(failures) : null;
            await staff.RecordLoginAsync(member.Id, succeeded: false, lockedUntil, ct);
            logger.LogWarning("Login refused for {Username} ({Failures} failures in a row)", member.Username, failures);
            return TypedResults.Unauthorized();
        }

        await staff.RecordLoginAsync(member.Id, succeeded: true, lockedUntil: null, ct);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, member.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, member.Username),
                new Claim(ClaimTypes.Role, member.Role),
                new Claim("display_name", member.DisplayName),
                new Claim("language", member.Language),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return TypedResults.Ok(new SignedInStaff(member.Id, member.Username, member.DisplayName, member.Role, member.Language));
    }

    static TimeSpan LockFor(int failures)
    {
        var doublings = Math.Min(failures - FreeAttempts, 10);
        var lockFor = FirstLock * Math.Pow(2, doublings);
        return lockFor < LongestLock ? lockFor : LongestLock;
    }

    static async Task<NoContent> Logout(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    static Ok<SignedInStaff> Me(ClaimsPrincipal user) => TypedResults.Ok(new SignedInStaff(
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!, System.Globalization.CultureInfo.InvariantCulture),
        user.Identity!.Name!, user.FindFirstValue("display_name") ?? "", user.FindFirstValue(ClaimTypes.Role) ?? "", user.FindFirstValue("language") ?? ""));
}
