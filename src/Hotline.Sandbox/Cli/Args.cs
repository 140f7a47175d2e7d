namespace Hotline.Sandbox.Cli;

// "--name value", "--name=value", repeatable options, and positional words; nothing cleverer.
internal sealed class Args
{
    private readonly Dictionary<string, List<string>> options = new(StringComparer.OrdinalIgnoreCase);

    private Args(List<string> positional) => Positional = positional;

    public List<string> Positional { get; }

    public static Args Parse(IEnumerable<string> args)
    {
        var parsed = new Args([]);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string value;
            if (name.IndexOf('=') is var eq and > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (name is "help" or "verbose")
            {
                value = "true";
            }
            else if (e.MoveNext())
            {
                value = e.Current;
            }
            else
            {
                throw new ArgumentException($"--{name} needs a value.");
            }

            if (!parsed.options.TryGetValue(name, out var values))
            {
                parsed.options[name] = values = [];
            }

            values.Add(value);
        }

        return parsed;
    }

    public string? Get(string name) => options.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> All(string name) => options.TryGetValue(name, out var values) ? values : [];

    public bool Has(string name) => options.ContainsKey(name);

    public IEnumerable<string> Names => options.Keys;

    public double? Seconds(string name) => Get(name) is { } value ? Calls.Durations.Parse(value).TotalSeconds : null;

    public double? Number(string name) =>
        Get(name) is { } value
            ? double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new ArgumentException($"--{name} must be a number, not '{value}'.")
            : null;
}
