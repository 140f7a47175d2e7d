using System.Globalization;
using System.Security.Claims;

namespace Hotline.OperatorConsole;

public static class StaffClaims
{
    public static long StaffId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No staff id in the session."), CultureInfo.InvariantCulture);

    // The audit log's actor: who did it, readable without a join.
    public static string Actor(this ClaimsPrincipal user) => "staff:" + (user.Identity?.Name ?? "?");
}
