using Hotline.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Hotline.Staff;

// The run command's demo: with an empty staff table, a supervisor (escalation level 1) and an operator on duty,
// so a simulated call reaches a queue and an urgent need has someone to escalate to.
public sealed class DemoStaffSeeder(StaffStore staff, IOptions<HotlineOptions> options, ILogger<DemoStaffSeeder> logger)
{
    public async Task SeedAsync(CancellationToken ct)
    {
        var config = options.Value;
        if (!config.SeedDemoStaff || await staff.AnyAsync(ct))
        {
            return;
        }

        if (string.IsNullOrEmpty(config.DemoPassword))
        {
            throw new InvalidOperationException("Hotline:SeedDemoStaff is on but Hotline:DemoPassword is empty.");
        }

        var hasher = new PasswordHasher<StaffMember>();
        string Hash() => hasher.HashPassword(new StaffMember(), config.DemoPassword);
        await staff.AddAsync(new NewStaffMember("supervisor", "Demo Supervisor", Roles.Supervisor, "+15005550001", Hash(), "en-US", OnDuty: true, EscalationLevel: 1), ct);
        await staff.AddAsync(new NewStaffMember("operator", "Demo Operator", Roles.Operator, "+15005550002", Hash(), "en-US", OnDuty: true, EscalationLevel: null), ct);
        logger.LogInformation("Seeded demo staff: supervisor and operator");
    }
}
