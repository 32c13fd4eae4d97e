namespace Sharemint.Market;

/// <summary>
/// New York civil time computed from the US daylight-saving rule itself, so market hours never depend on the host's
/// tz database being installed or current. From 2007: second Sunday of March 02:00 EST to first Sunday of November
/// 02:00 EDT; 1987–2006: first Sunday of April to last Sunday of October. Earlier years are not supported.
/// </summary>
public static class NewYorkTime
{
    private static readonly TimeSpan Standard = TimeSpan.FromHours(-5);
    private static readonly TimeSpan Daylight = TimeSpan.FromHours(-4);

    /// <summary>The UTC offset in force in New York at <paramref name="instant"/> (−5 h or −4 h).</summary>
    public static TimeSpan OffsetAt(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        // DST never spans New Year, so the UTC year names the right transitions even on the evening of Dec 31 in New York.
        var (start, end) = DaylightSavingDates(utc.Year);
        // Spring forward at 02:00 EST = 07:00 UTC; fall back at 02:00 EDT = 06:00 UTC.
        var startUtc = start.ToDateTime(new TimeOnly(7, 0), DateTimeKind.Utc);
        var endUtc = end.ToDateTime(new TimeOnly(6, 0), DateTimeKind.Utc);
        return utc >= startUtc && utc < endUtc ? Daylight : Standard;
    }

    /// <summary><paramref name="instant"/> as New York local time (with its offset).</summary>
    public static DateTimeOffset ToNewYork(DateTimeOffset instant) => instant.ToOffset(OffsetAt(instant));

    /// <summary>
    /// The instant of a New York wall-clock time on a date. Meant for times outside the 01:00–03:00 transition hours
    /// (such as session opens and closes), where every wall-clock time exists exactly once.
    /// </summary>
    public static DateTimeOffset At(DateOnly date, TimeOnly time)
    {
        var (start, end) = DaylightSavingDates(date.Year);
        var offset = date >= start && date < end ? Daylight : Standard;
        return new DateTimeOffset(date.ToDateTime(time), offset);
    }

    /// <summary>The dates daylight saving time starts and ends in <paramref name="year"/>.</summary>
    public static (DateOnly Start, DateOnly End) DaylightSavingDates(int year)
    {
        if (year < 1987)
        {
            throw new ArgumentOutOfRangeException(nameof(year), year, "New York time is computed for 1987 onwards.");
        }
        return year >= 2007
            ? (Calendar.NthWeekday(year, 3, DayOfWeek.Sunday, 2), Calendar.NthWeekday(year, 11, DayOfWeek.Sunday, 1))
            : (Calendar.NthWeekday(year, 4, DayOfWeek.Sunday, 1), Calendar.LastWeekday(year, 10, DayOfWeek.Sunday));
    }

    /// <summary>Date arithmetic shared by the DST rule and the holiday rules.</summary>
    internal static class Calendar
    {
        /// <summary>The <paramref name="n"/>-th <paramref name="day"/> of a month (n from 1).</summary>
        public static DateOnly NthWeekday(int year, int month, DayOfWeek day, int n)
        {
            var first = new DateOnly(year, month, 1);
            var delta = ((int)day - (int)first.DayOfWeek + 7) % 7;
            return first.AddDays(delta + (7 * (n - 1)));
        }

        /// <summary>The last <paramref name="day"/> of a month.</summary>
        public static DateOnly LastWeekday(int year, int month, DayOfWeek day)
        {
            var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
            var delta = ((int)last.DayOfWeek - (int)day + 7) % 7;
            return last.AddDays(-delta);
        }
    }
}
