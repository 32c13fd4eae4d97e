using Microsoft.Extensions.Hosting;
using Sharemint.Silo.Hosting;

namespace Sharemint.Grains.Tests;

/// <summary>How many grouped storage statements a silo keeps in flight is the operator's to set, within bounds.</summary>
public sealed class StorageConfigurationTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-3")]
    public void A_statements_in_flight_setting_out_of_range_stops_the_start_with_a_clear_error(string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration[SiloConfiguration.StatementsInFlightKey] = value;
        var error = Assert.Throws<InvalidOperationException>(() =>
            builder.UseOrleans(silo => silo.AddSharemintStorage("Host=127.0.0.1;Database=sharemint")));
        Assert.Contains(SiloConfiguration.StatementsInFlightKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1")]
    [InlineData("8")]
    public void A_setting_in_range_or_none_is_taken(string? value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration[SiloConfiguration.StatementsInFlightKey] = value;
        builder.UseOrleans(silo => silo.AddSharemintStorage("Host=127.0.0.1;Database=sharemint"));
        Assert.Contains(builder.Services, s => s.ServiceType == typeof(Sharemint.Silo.Orders.OrderRowGrainStorage));
    }
}
