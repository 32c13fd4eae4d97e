using System.Collections.Concurrent;
using static Sharemint.Market.NewYorkTime.Calendar;

namespace Sharemint.Market;

/// <summary>One trading day's regular session, as instants.</summary>
public sealed record TradingSession(DateOnly Date, DateTimeOffset Open, DateTimeOffset Close)
{
    /// <summary>True when the session closes before the regular 16:00 (13:00 early closes).</summary>
    public bool IsEarlyClose => NewYorkTime.ToNewYork(Close).TimeOfDay < NyseCalendar.RegularClose.ToTimeSpan();
}

/// <summary>
/// The NYSE regular session (09:30–16:00 New York time), computed from the exchange's published rules rather than a
/// table, so it never runs out of years:
/// full-day holidays (New Year's Day, Martin Luther King Jr. Day, Washington's Birthday, Good Friday, Memorial Day,
/// Juneteenth from 2022, Independence Day, Labor Day, Thanksgiving, Christmas; a Saturday holiday is observed on the
/// Friday before, a Sunday one on the Monday after, except that a Saturday New Year's Day is not observed on the last
/// day of the year) and 13:00 early closes (July 3 when a weekday and not itself the observed holiday, the day after
/// Thanksgiving, December 24 when a weekday and not itself the observed holiday). Unscheduled closures (national days
/// of mourning, emergencies) are not predictable by rule: pass them as <c>additionalClosures</c>.
/// </summary>
public sealed class NyseCalendar : IMarketCalendar
{
    /// <summary>Regular session open, New York time.</summary>
    public static readonly TimeOnly RegularOpen = new(9, 30);

    /// <summary>Regular session close, New York time.</summary>
    public static readonly TimeOnly RegularClose = new(16, 0);

    /// <summary>Close on early-close days, New York time.</summary>
    public static readonly TimeOnly EarlyClose = new(13, 0);

    // A long weekend plus a holiday plus unscheduled closures never spans this many days; a bound keeps NextOpen total.
    private const int MaxDaysToNextOpen = 31;

    // Rules are pure functions of the year; caching keeps IsOpen allocation-free on the order path.
    private static readonly ConcurrentDictionary<int, IReadOnlyDictionary<DateOnly, string>> HolidaysByYear = new();

    private readonly HashSet<DateOnly> _additionalClosures;

    /// <summary>A calendar with the rule-based holidays plus <paramref name="additionalClosures"/> (whole days closed).</summary>
    public NyseCalendar(IEnumerable<DateOnly>? additionalClosures = null) =>
        _additionalClosures = [.. additionalClosures ?? []];

    /// <inheritdoc />
    public bool IsOpen(DateTimeOffset instant)
    {
        var local = NewYorkTime.ToNewYork(instant);
        var session = SessionOn(DateOnly.FromDateTime(local.DateTime));
        return session is not null && instant >= session.Open && instant < session.Close;
    }

    /// <inheritdoc />
    public DateTimeOffset NextOpen(DateTimeOffset instant)
    {
        if (IsOpen(instant))
        {
            return instant;
        }
        var date = DateOnly.FromDateTime(NewYorkTime.ToNewYork(instant).DateTime);
        for (var i = 0; i <= MaxDaysToNextOpen; i++, date = date.AddDays(1))
        {
            if (SessionOn(date) is { } session && session.Open >= instant)
            {
                return session.Open;
            }
        }
        throw new InvalidOperationException($"No NYSE session within {MaxDaysToNextOpen} days after {instant:O}; check the additional closures.");
    }

    /// <summary>The regular session on <paramref name="date"/> (New York date), or null when the exchange is closed all day.</summary>
    public TradingSession? SessionOn(DateOnly date)
    {
        if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || IsHoliday(date) || _additionalClosures.Contains(date))
        {
            return null;
        }
        var close = IsEarlyCloseDay(date) ? EarlyClose : RegularClose;
        return new TradingSession(date, NewYorkTime.At(date, RegularOpen), NewYorkTime.At(date, close));
    }

    /// <summary>True when <paramref name="date"/> is a rule-based full-day NYSE holiday (as observed).</summary>
    public static bool IsHoliday(DateOnly date) => HolidaysObservedIn(date.Year).ContainsKey(date);

    /// <summary>The full-day holidays observed in <paramref name="year"/>, by date, with their names.</summary>
    public static IReadOnlyDictionary<DateOnly, string> HolidaysObservedIn(int year) =>
        HolidaysByYear.GetOrAdd(year, ComputeHolidays);

    private static IReadOnlyDictionary<DateOnly, string> ComputeHolidays(int year)
    {
        var holidays = new Dictionary<DateOnly, string>();
        // New Year's Day: a Sunday one moves to Monday; a Saturday one is not observed (Friday Dec 31 ends the accounting year).
        var newYear = new DateOnly(year, 1, 1);
        if (newYear.DayOfWeek != DayOfWeek.Saturday)
        {
            holidays[Observed(newYear)] = "New Year's Day";
        }
        holidays[NthWeekday(year, 1, DayOfWeek.Monday, 3)] = "Martin Luther King Jr. Day";
        holidays[NthWeekday(year, 2, DayOfWeek.Monday, 3)] = "Washington's Birthday";
        holidays[EasterSunday(year).AddDays(-2)] = "Good Friday";
        holidays[LastWeekday(year, 5, DayOfWeek.Monday)] = "Memorial Day";
        if (year >= 2022)
        {
            holidays[Observed(new DateOnly(year, 6, 19))] = "Juneteenth National Independence Day";
        }
        holidays[Observed(new DateOnly(year, 7, 4))] = "Independence Day";
        holidays[NthWeekday(year, 9, DayOfWeek.Monday, 1)] = "Labor Day";
        holidays[Thanksgiving(year)] = "Thanksgiving Day";
        holidays[Observed(new DateOnly(year, 12, 25))] = "Christmas Day";
        return holidays;
    }

    /// <summary>True when <paramref name="date"/> is a trading day that closes at 13:00 by rule.</summary>
    public static bool IsEarlyCloseDay(DateOnly date)
    {
        if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || IsHoliday(date))
        {
            return false;
        }
        return (date.Month == 7 && date.Day == 3)
            || date == Thanksgiving(date.Year).AddDays(1)
            || (date.Month == 12 && date.Day == 24);
    }

    /// <summary>Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus).</summary>
    public static DateOnly EasterSunday(int year)
    {
        var golden = year % 19;
        var century = year / 100;
        var yearOfCentury = year % 100;
        var leapCenturies = century / 4;
        var centuryRemainder = century % 4;
        var lunarCorrection = (century + 8) / 25;
        var solarCorrection = (century - lunarCorrection + 1) / 3;
        var epact = ((19 * golden) + century - leapCenturies - solarCorrection + 15) % 30;
        var quarters = yearOfCentury / 4;
        var yearRemainder = yearOfCentury % 4;
        var weekday = (32 + (2 * centuryRemainder) + (2 * quarters) - epact - yearRemainder) % 7;
        var correction = (golden + (11 * epact) + (22 * weekday)) / 451;
        var monthAndDay = epact + weekday - (7 * correction) + 114;
        return new DateOnly(year, monthAndDay / 31, (monthAndDay % 31) + 1);
    }

    private static DateOnly Thanksgiving(int year) => NthWeekday(year, 11, DayOfWeek.Thursday, 4);

    private static DateOnly Observed(DateOnly holiday) => holiday.DayOfWeek switch
    {
        DayOfWeek.Saturday => holiday.AddDays(-1),
        DayOfWeek.Sunday => holiday.AddDays(1),
        _ => holiday,
    };
}

/// <summary>A market that never closes: for local chains that run around the clock, and for tests.</summary>
public sealed class AlwaysOpenCalendar : IMarketCalendar
{
    /// <inheritdoc />
    public bool IsOpen(DateTimeOffset instant) => true;

    /// <inheritdoc />
    public DateTimeOffset NextOpen(DateTimeOffset instant) => instant;
}
