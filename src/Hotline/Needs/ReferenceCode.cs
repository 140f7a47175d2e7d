namespace Hotline.Needs;

// Reference codes are read out over the phone and typed into SMS ("ACK 104527"), so they are digits only, and
// the last digit is a Damm check digit: any single wrong digit or swapped neighbours is a code that does not exist
// rather than someone else's need.
public static class ReferenceCode
{
    static readonly int[,] Table =
    {
        { 0, 3, 1, 7, 5, 9, 8, 6, 4, 2 },
        { 7, 0, 9, 2, 1, 5, 4, 8, 6, 3 },
        { 4, 2, 0, 6, 8, 7, 1, 3, 5, 9 },
        { 1, 7, 5, 0, 9, 8, 3, 4, 2, 6 },
        { 6, 1, 2, 3, 0, 4, 5, 9, 7, 8 },
        { 3, 6, 7, 4, 2, 0, 9, 5, 8, 1 },
        { 5, 8, 6, 9, 7, 2, 0, 1, 3, 4 },
        { 8, 9, 4, 5, 3, 6, 2, 0, 1, 7 },
        { 9, 4, 3, 8, 6, 1, 7, 2, 0, 5 },
        { 2, 5, 8, 1, 4, 3, 6, 7, 9, 0 },
    };

    public static string FromSequence(long sequence)
    {
        var digits = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return digits + CheckDigit(digits);
    }

    public static bool IsWellFormed(string? code) =>
        code is { Length: >= 2 and <= 12 } && code.All(char.IsAsciiDigit) && CheckDigit(code) == 0;

    static int CheckDigit(string digits)
    {
        var interim = 0;
        foreach (var c in digits)
        {
            interim = Table[interim, c - '0'];
        }

        return interim;
    }

    // "1 0 4 5 2 7": <Say> reads a number as a number; a code must be read digit by digit.
    public static string Spoken(string code) => string.Join(' ', code.ToCharArray());
}
