namespace Sharemint.Market.Tests;

/// <summary>The NYSE calendar against the exchange's published holidays and early closes, DST edges and weekends.</summary>
public sealed class NyseCalendarTests
{
    private static readonly NyseCalendar Calendar = new();

    private static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(string iso) =>
        DateTimeOffset.Parse(iso + "Z", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);

    private static List<DateOnly> ClosedWeekdays(NyseCalendar calendar, int year)
    {
        var closed = new List<DateOnly>();
        for (var date = new DateOnly(year, 1, 1); date.Year == year; date = date.AddDays(1))
        {
            if (date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && calendar.SessionOn(date) is null)
            {
                closed.Add(date);
            }
        }
        return closed;
    }

    private static List<DateOnly> EarlyCloses(int year)
    {
        var early = new List<DateOnly>();
        for (var date = new DateOnly(year, 1, 1); date.Year == year; date = date.AddDays(1))
        {
            if (Calendar.SessionOn(date) is { IsEarlyClose: true })
            {
                early.Add(date);
            }
        }
        return early;
    }

    [Fact]
    public void Holidays2025MatchTheExchangesList()
    {
        // NYSE 2025: New Year's Day, MLK Day, Washington's Birthday, Good Friday, Memorial Day, Juneteenth,
        // Independence Day, Labor Day, Thanksgiving, Christmas.
        string[] expected = ["2025-01-01", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19",
            "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"];
        Assert.Equal(expected.Select(D), ClosedWeekdays(Calendar, 2025));
    }

    [Fact]
    public void UnscheduledClosuresComeFromConfiguration()
    {
        // 2025-01-09, the national day of mourning for President Carter: no rule predicts it.
        var calendar = new NyseCalendar([D("2025-01-09")]);
        Assert.Contains(D("2025-01-09"), ClosedWeekdays(calendar, 2025));
        Assert.Equal(11, ClosedWeekdays(calendar, 2025).Count);
        Assert.False(calendar.IsOpen(Utc("2025-01-09T15:00:00")));
        Assert.Equal(Utc("2025-01-10T14:30:00"), calendar.NextOpen(Utc("2025-01-08T21:00:00")));
    }

    [Fact]
    public void Holidays2026MatchTheExchangesList()
    {
        // NYSE 2026: Good Friday April 3; Independence Day (a Saturday) observed Friday July 3.
        string[] expected = ["2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
            "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"];
        Assert.Equal(expected.Select(D), ClosedWeekdays(Calendar, 2026));
    }

    [Fact]
    public void EarlyClosesMatchTheExchangesList()
    {
        Assert.Equal(["2025-07-03", "2025-11-28", "2025-12-24"], EarlyCloses(2025).Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        // 2026: July 3 is the observed Independence Day (closed, not early).
        Assert.Equal(["2026-11-27", "2026-12-24"], EarlyCloses(2026).Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2025-07-03T16:59:59", true)]   // 12:59:59 EDT
    [InlineData("2025-07-03T17:00:00", false)]  // 13:00 EDT: early close
    [InlineData("2025-11-28T17:59:59", true)]   // 12:59:59 EST
    [InlineData("2025-11-28T18:00:00", false)]
    [InlineData("2025-12-24T18:00:00", false)]
    [InlineData("2025-12-26T20:59:59", true)]   // a regular day: 15:59:59 EST
    [InlineData("2025-12-26T21:00:00", false)]
    public void EarlyClosesEndAtOnePm(string utc, bool open) => Assert.Equal(open, Calendar.IsOpen(Utc(utc)));

    [Fact]
    public void SaturdayNewYearIsNotObservedOnDecember31()
    {
        // 2028-01-01 is a Saturday: the exchange stays open on Friday 2027-12-31 (as on 2021-12-31 for 2022).
        Assert.NotNull(Calendar.SessionOn(D("2027-12-31")));
        Assert.False(Calendar.SessionOn(D("2027-12-31"))!.IsEarlyClose);
        Assert.NotNull(Calendar.SessionOn(D("2021-12-31")));
        Assert.DoesNotContain(D("2027-12-31"), NyseCalendar.HolidaysObservedIn(2027).Keys);
        Assert.DoesNotContain(NyseCalendar.HolidaysObservedIn(2028).Keys, d => d.Month == 1 && d.Day <= 3);
    }

    [Theory]
    [InlineData("2027-12-24")] // Christmas on Saturday → Friday
    [InlineData("2027-06-18")] // Juneteenth on Saturday → Friday
    [InlineData("2027-07-05")] // Independence Day on Sunday → Monday
    [InlineData("2022-12-26")] // Christmas on Sunday → Monday
    [InlineData("2023-01-02")] // New Year's Day on Sunday → Monday
    [InlineData("2022-06-20")] // first Juneteenth, Sunday → Monday
    [InlineData("2024-03-29")] // Good Friday
    [InlineData("2024-11-28")] // Thanksgiving
    public void ObservedHolidaysAreClosed(string date) => Assert.Null(Calendar.SessionOn(D(date)));

    [Theory]
    [InlineData("2021-06-18")] // Juneteenth is a market holiday only from 2022
    [InlineData("2027-12-23")]
    [InlineData("2027-07-02")]
    [InlineData("2024-07-05")]
    public void OrdinaryDaysAreOpen(string date) => Assert.NotNull(Calendar.SessionOn(D(date)));

    [Fact]
    public void ChristmasEveThatIsTheObservedHolidayIsClosedNotEarly()
    {
        Assert.Null(Calendar.SessionOn(D("2027-12-24")));
        Assert.False(NyseCalendar.IsEarlyCloseDay(D("2027-12-24")));
        Assert.True(NyseCalendar.IsEarlyCloseDay(D("2024-12-24")));
        Assert.True(NyseCalendar.IsEarlyCloseDay(D("2024-07-03")));
        Assert.True(NyseCalendar.IsEarlyCloseDay(D("2023-07-03"))); // a Monday
    }

    [Theory]
    [InlineData(2008, "2008-03-23")]
    [InlineData(2019, "2019-04-21")]
    [InlineData(2024, "2024-03-31")]
    [InlineData(2025, "2025-04-20")]
    [InlineData(2026, "2026-04-05")]
    [InlineData(2027, "2027-03-28")]
    [InlineData(2038, "2038-04-25")]
    [InlineData(2285, "2285-03-22")]
    public void EasterSundayFollowsTheComputus(int year, string easter) => Assert.Equal(D(easter), NyseCalendar.EasterSunday(year));

    [Theory]
    [InlineData("2025-03-09T06:59:59", -5)] // 01:59:59 EST
    [InlineData("2025-03-09T07:00:00", -4)] // 03:00 EDT
    [InlineData("2025-11-02T05:59:59", -4)] // 01:59:59 EDT
    [InlineData("2025-11-02T06:00:00", -5)] // 01:00 EST
    [InlineData("2026-03-08T07:00:00", -4)]
    [InlineData("2026-11-01T05:59:59", -4)]
    [InlineData("2026-11-01T06:00:00", -5)]
    [InlineData("2025-12-31T23:30:00", -5)]
    [InlineData("2025-07-01T00:00:00", -4)]
    [InlineData("2006-04-02T07:00:00", -4)] // pre-2007 rule: first Sunday of April
    [InlineData("2006-03-20T12:00:00", -5)]
    [InlineData("2006-10-29T06:00:00", -5)] // last Sunday of October
    public void NewYorkOffsetFollowsTheUsRule(string utc, int hours) =>
        Assert.Equal(TimeSpan.FromHours(hours), NewYorkTime.OffsetAt(Utc(utc)));

    [Fact]
    public void SessionHoursFollowDaylightSavingTime()
    {
        // Friday before the March 2025 switch: 09:30 EST = 14:30 UTC. Monday after: 09:30 EDT = 13:30 UTC.
        Assert.False(Calendar.IsOpen(Utc("2025-03-07T14:29:59")));
        Assert.True(Calendar.IsOpen(Utc("2025-03-07T14:30:00")));
        Assert.True(Calendar.IsOpen(Utc("2025-03-07T20:59:59")));
        Assert.False(Calendar.IsOpen(Utc("2025-03-07T21:00:00")));
        Assert.False(Calendar.IsOpen(Utc("2025-03-10T13:29:59")));
        Assert.True(Calendar.IsOpen(Utc("2025-03-10T13:30:00")));
        Assert.True(Calendar.IsOpen(Utc("2025-03-10T19:59:59")));
        Assert.False(Calendar.IsOpen(Utc("2025-03-10T20:00:00")));
        // Monday after the November switch: back to 14:30 UTC.
        Assert.False(Calendar.IsOpen(Utc("2025-11-03T13:30:00")));
        Assert.True(Calendar.IsOpen(Utc("2025-11-03T14:30:00")));
        Assert.Equal(Utc("2025-03-10T13:30:00"), Calendar.NextOpen(Utc("2025-03-07T21:00:00")));
        Assert.Equal(Utc("2025-11-03T14:30:00"), Calendar.NextOpen(Utc("2025-10-31T20:00:00")));
    }

    [Fact]
    public void WeekendsAreClosed()
    {
        Assert.False(Calendar.IsOpen(Utc("2025-06-14T15:00:00"))); // Saturday 11:00 EDT
        Assert.False(Calendar.IsOpen(Utc("2025-06-15T15:00:00"))); // Sunday
        Assert.True(Calendar.IsOpen(Utc("2025-06-13T15:00:00")));  // Friday
        Assert.Equal(Utc("2025-06-16T13:30:00"), Calendar.NextOpen(Utc("2025-06-14T15:00:00")));
    }

    [Fact]
    public void NextOpenCrossesLongWeekends()
    {
        // Friday after the close, Labor Day Monday: Tuesday 09:30 EDT.
        Assert.Equal(Utc("2025-09-02T13:30:00"), Calendar.NextOpen(Utc("2025-08-29T20:00:00")));
        // Thursday before Good Friday 2026: Monday 09:30 EDT.
        Assert.Equal(Utc("2026-04-06T13:30:00"), Calendar.NextOpen(Utc("2026-04-02T20:00:00")));
        // Christmas 2027 observed Friday Dec 24: from Thursday evening to Monday Dec 27, 09:30 EST.
        Assert.Equal(Utc("2027-12-27T14:30:00"), Calendar.NextOpen(Utc("2027-12-23T21:30:00")));
        // After the early close on the day after Thanksgiving: Monday.
        Assert.Equal(Utc("2025-12-01T14:30:00"), Calendar.NextOpen(Utc("2025-11-28T18:00:00")));
        // Before the open on a trading day: that morning. Late on New Year's Eve (New York) but already Jan 1 in UTC.
        Assert.Equal(Utc("2025-06-16T13:30:00"), Calendar.NextOpen(Utc("2025-06-16T04:00:00")));
        Assert.Equal(Utc("2026-01-02T14:30:00"), Calendar.NextOpen(Utc("2026-01-01T03:00:00")));
    }

    [Fact]
    public void NextOpenOfAnOpenInstantIsThatInstant()
    {
        var instant = Utc("2025-06-16T17:45:12");
        Assert.Equal(instant, Calendar.NextOpen(instant));
        Assert.Equal(instant, new AlwaysOpenCalendar().NextOpen(instant));
        Assert.True(new AlwaysOpenCalendar().IsOpen(Utc("2025-12-25T12:00:00")));
    }
}
