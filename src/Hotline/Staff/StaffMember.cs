namespace Hotline.Staff;

public sealed record StaffMember
{
    public long Id { get; init; }
    public string Username { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Role { get; init; } = "";
    public string? Phone { get; init; }
    public string PasswordHash { get; init; } = "";
    public string Language { get; init; } = "";
    public bool OnDuty { get; init; }
    public int? EscalationLevel { get; init; }
    public int FailedLogins { get; init; }
    public DateTime? LockedUntil { get; init; }
}

public static class Roles
{
    public const string Operator = "operator";
    public const string Supervisor = "supervisor";
}

public static class Policies
{
    public const string Staff = "staff";
    public const string Supervisor = "supervisor";
}
