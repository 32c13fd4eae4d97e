using Sharemint.Assets;

namespace Sharemint.Grains.Interfaces.Tests;

public sealed class IsinTests
{
    [Theory]
    [InlineData("US0378331005")] // Apple
    [InlineData("US88160R1014")] // Tesla: letters inside the CUSIP
    [InlineData("US02079K3059")] // Alphabet A
    [InlineData("GB0002634946")] // BAE Systems
    [InlineData("DE0007164600")] // SAP
    [InlineData("AU0000XVGZA3")] // letters in the body, check digit 3
    [InlineData("IE00B4BNMY34")] // Accenture
    [InlineData("CH0012221716")] // ABB
    public void Known_good_isins_are_valid(string isin)
    {
        Assert.True(Isin.IsValid(isin), Isin.Problem(isin));
        Assert.Equal(isin[^1] - '0', Isin.CheckDigit(isin.AsSpan(0, 11)));
    }

    [Theory]
    [InlineData("US0378331006", "check digit 6, expected 5")] // check digit off by one
    [InlineData("US0378331004", "check digit 4, expected 5")]
    [InlineData("US0378331105", "expected")]                  // one body digit off by one
    [InlineData("US0378332005", "expected")]
    [InlineData("US88160R1015", "expected")]
    [InlineData("US88160S1014", "expected")]                  // one letter off by one
    [InlineData("DE0007164601", "expected")]
    public void Off_by_one_digits_are_caught(string isin, string message)
    {
        Assert.False(Isin.IsValid(isin));
        Assert.Contains(message, Isin.Problem(isin), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("US037833100", "12 characters")]
    [InlineData("US03783310055", "12 characters")]
    [InlineData("us0378331005", "two-letter country code")]
    [InlineData("1S0378331005", "two-letter country code")]
    [InlineData("US03783310-5", "upper-case letters and digits")]
    [InlineData("US037833100X", "check digit")]
    public void Malformed_values_are_refused_with_a_reason(string? isin, string message)
    {
        Assert.False(Isin.IsValid(isin));
        Assert.Contains(message, Isin.Problem(isin), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_single_digit_change_of_a_valid_isin_is_detected()
    {
        // The Luhn check catches every single-digit substitution in the expanded digits.
        const string apple = "US0378331005";
        for (var i = 2; i < 12; i++)
        {
            if (!char.IsAsciiDigit(apple[i])) continue;
            for (var d = '0'; d <= '9'; d++)
            {
                if (d == apple[i]) continue;
                var changed = string.Concat(apple.AsSpan(0, i), d.ToString(), apple.AsSpan(i + 1));
                Assert.False(Isin.IsValid(changed), changed);
            }
        }
    }
}
