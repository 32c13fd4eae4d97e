namespace Sharemint.Assets;

/// <summary>
/// ISO 6166 International Securities Identification Numbers: two letters (country), nine letters or digits (the national
/// number; a CUSIP for US and Canadian securities), one check digit. The check digit is the Luhn check over the digits
/// obtained by writing each letter as its value (A = 10 … Z = 35).
/// </summary>
public static class Isin
{
    /// <summary>Length of every ISIN.</summary>
    public const int Length = 12;

    /// <summary>Whether <paramref name="value"/> is a well-formed ISIN with a correct check digit (upper case only).</summary>
    public static bool IsValid(string? value) => Problem(value) is null;

    /// <summary>Why <paramref name="value"/> is not a valid ISIN, or null when it is; for error messages.</summary>
    public static string? Problem(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "an ISIN is required";
        if (value.Length != Length) return $"an ISIN has {Length} characters, '{value}' has {value.Length}";
        if (!char.IsAsciiLetterUpper(value[0]) || !char.IsAsciiLetterUpper(value[1])) return $"'{value}' must start with a two-letter country code";
        for (var i = 2; i < Length - 1; i++)
        {
            if (!char.IsAsciiLetterUpper(value[i]) && !char.IsAsciiDigit(value[i])) return $"'{value}' may only hold upper-case letters and digits";
        }
        if (!char.IsAsciiDigit(value[^1])) return $"'{value}' must end with a check digit";
        var expected = CheckDigit(value.AsSpan(0, Length - 1));
        return value[^1] - '0' == expected ? null : $"'{value}' has check digit {value[^1]}, expected {expected}";
    }

    /// <summary>The check digit for the first eleven characters of an ISIN (upper-case letters and digits).</summary>
    public static int CheckDigit(ReadOnlySpan<char> body)
    {
        if (body.Length != Length - 1) throw new ArgumentException($"an ISIN body has {Length - 1} characters", nameof(body));
        // Expand letters to two digits, then Luhn from the right: the rightmost digit of the expansion is doubled
        // (the check digit, which would sit to its right, is the undoubled position).
        Span<int> digits = stackalloc int[2 * (Length - 1)];
        var count = 0;
        foreach (var c in body)
        {
            if (char.IsAsciiDigit(c))
            {
                digits[count++] = c - '0';
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                var v = c - 'A' + 10;
                digits[count++] = v / 10;
                digits[count++] = v % 10;
            }
            else
            {
                throw new ArgumentException($"'{c}' is not an upper-case letter or digit", nameof(body));
            }
        }
        var sum = 0;
        var doubled = true;
        for (var i = count - 1; i >= 0; i--)
        {
            var d = doubled ? digits[i] * 2 : digits[i];
            sum += d > 9 ? d - 9 : d;
            doubled = !doubled;
        }
        return (10 - sum % 10) % 10;
    }
}
