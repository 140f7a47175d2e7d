using System.Text;

namespace Hotline.Infrastructure;

// RFC 4180 lines for exports that staff open in a spreadsheet.
public static class CsvLines
{
    public static string Line(IEnumerable<object?> fields) => string.Join(',', fields.Select(Field)) + "\r\n";

    static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTime time => time.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

        // A cell starting with = + - @ is run as a formula by spreadsheets; residents' words must stay words.
        if (text.Length > 0 && "=+-@\t\r".Contains(text[0]) && value is string)
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }

    public static Encoding Encoding { get; } = new UTF8Encoding(false);
}
