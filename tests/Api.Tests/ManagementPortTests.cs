using Microsoft.Extensions.Configuration;
using Sharemint.Silo.Hosting;

namespace Sharemint.Api.Tests;

/// <summary>The management listener binds wherever the API binds, on its own port.</summary>
public sealed class ManagementPortTests
{
    [Theory]
    [InlineData("http://+:8080", "http://+:9090")]
    [InlineData("http://127.0.0.1:43121", "http://127.0.0.1:9090")]
    [InlineData("http://[::]:8080/", "http://[::]:9090")]
    [InlineData("https://api.example.com", "https://api.example.com:9090")]
    public void The_management_url_is_the_api_url_on_the_management_port(string api, string management) =>
        Assert.Equal(management, ManagementPort.WithPort(api, 9090));

    [Fact]
    public void Api_urls_follow_aspnetcore_urls_then_the_container_ports_variable()
    {
        Assert.Equal(["http://0.0.0.0:8080", "http://[::]:8080"], ManagementPort.ApiUrls(Config(("urls", "http://0.0.0.0:8080;http://[::]:8080"))));
        Assert.Equal(["http://*:8080", "https://*:8443"], ManagementPort.ApiUrls(Config(("http_ports", "8080"), ("https_ports", "8443"))));
        Assert.Equal(["http://localhost:5000"], ManagementPort.ApiUrls(Config()));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
