namespace Hotline.Residents;

public sealed record Resident
{
    public long Id { get; init; }
    public string Phone { get; init; } = "";
    public string? Name { get; init; }
    public string? Address { get; init; }
    public string? Building { get; init; }
    public string? Unit { get; init; }
    public string? Language { get; init; }
    public string[] Flags { get; init; } = [];
    public string? CareNotes { get; init; }
    public string? EmergencyContact { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

// The registry's columns, as they appear in an import or export file, with the longest text each may hold.
public static class ResidentColumns
{
    public const string Phone = "phone";
    public const string Name = "name";
    public const string Address = "address";
    public const string Building = "building";
    public const string Unit = "unit";
    public const string Language = "language";
    public const string Flags = "flags";
    public const string CareNotes = "care_notes";
    public const string EmergencyContact = "emergency_contact";

    public static readonly string[] All = [Phone, Name, Address, Building, Unit, Language, Flags, CareNotes, EmergencyContact];

    public static readonly IReadOnlyDictionary<string, int> MaxLength = new Dictionary<string, int>
    {
        [Name] = 200,
        [Address] = 500,
        [Building] = 50,
        [Unit] = 50,
        [CareNotes] = 2000,
        [EmergencyContact] = 200,
    };
}
