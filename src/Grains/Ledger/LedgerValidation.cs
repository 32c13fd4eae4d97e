using System.Globalization;
using System.Text.RegularExpressions;
using Sharemint.Errors;
using Sharemint.Units;

namespace Sharemint.Ledger;

/// <summary>Argument checks shared by the ledger grains. Each throws a <see cref="LedgerException"/> naming the problem.</summary>
public static partial class LedgerValidation
{
    /// <summary>A positive token amount.</summary>
    public static void RequirePositive(CanonicalAmount amount, string what)
    {
        if (amount.IsZero)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"{what} must be greater than zero.");
        }
    }

    /// <summary>A positive share quantity with at most 9 decimals.</summary>
    public static void RequireShares(decimal shares)
    {
        if (shares <= 0)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Shares must be greater than zero (got {shares.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (decimal.Round(shares, 9) != shares)
        {
            throw new LedgerException(LedgerError.AmountHasDust, $"Shares have at most 9 decimals (got {shares.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    /// <summary>A positive USD amount in whole cents.</summary>
    public static void RequireCash(decimal cash)
    {
        if (cash <= 0)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Cash amount must be greater than zero (got {cash.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (decimal.Round(cash, 2) != cash)
        {
            throw new LedgerException(LedgerError.AmountHasDust, $"Cash is in whole cents (got {cash.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    /// <summary>An ISIN: 2 letters, 9 alphanumerics and a Luhn check digit over the letters expanded to numbers.</summary>
    public static void RequireIsin(string isin)
    {
        if (isin is null || !IsinShape().IsMatch(isin) || !IsinCheckDigitMatches(isin))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"'{isin}' is not a valid ISIN.");
        }
    }

    /// <summary>An account id: 3–64 lower-case letters, digits and dashes.</summary>
    public static void RequireAccountId(string accountId)
    {
        if (accountId is null || !AccountIdShape().IsMatch(accountId))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"'{accountId}' is not a valid account id (3-64 of a-z, 0-9, -).");
        }
    }

    /// <summary>An asset symbol: 2–16 letters, digits or dots, e.g. <c>TSLAx</c>.</summary>
    public static void RequireSymbol(string symbol)
    {
        if (symbol is null || !SymbolShape().IsMatch(symbol))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"'{symbol}' is not a valid asset symbol.");
        }
    }

    private static bool IsinCheckDigitMatches(string isin)
    {
        var digits = string.Concat(isin[..11].Select(c => char.IsLetter(c) ? (c - 'A' + 10).ToString(CultureInfo.InvariantCulture) : c.ToString()));
        var sum = 0;
        var doubleIt = true;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return (10 - (sum % 10)) % 10 == isin[11] - '0';
    }

    [GeneratedRegex("^[A-Z]{2}[A-Z0-9]{9}[0-9]$")]
    private static partial Regex IsinShape();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,63}$")]
    private static partial Regex AccountIdShape();

    [GeneratedRegex("^[A-Za-z0-9.]{2,16}$")]
    private static partial Regex SymbolShape();
}
