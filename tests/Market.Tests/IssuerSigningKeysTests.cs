using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sharemint.Signing;

namespace Sharemint.Market.Tests;

/// <summary>The issuer's Ed25519 keys: RFC 8032 vectors, verification, tampering, malformed input, configuration.</summary>
public sealed class IssuerSigningKeysTests
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"symbol":"TSLAx","supply":"1250000000","custody":"12.5"}""");

    private static IssuerSigningKeys NewKeys() => new(
        Convert.FromBase64String(IssuerSigningKeys.NewKeySeedBase64()),
        Convert.FromBase64String(IssuerSigningKeys.NewKeySeedBase64()));

    private static IConfiguration Configuration(string? attestation, string? quote) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [IssuerSigningKeys.AttestationKeyName] = attestation,
            [IssuerSigningKeys.QuoteKeyName] = quote,
        }).Build();

    [Theory]
    // RFC 8032 section 7.1, tests 1 and 2.
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    public void SignaturesMatchRfc8032(string seed, string publicKey, string message, string signature)
    {
        var keys = new IssuerSigningKeys(Convert.FromHexString(seed), Convert.FromHexString(seed));
        var payload = Convert.FromHexString(message);
        Assert.Equal(publicKey, Convert.ToHexStringLower(Convert.FromBase64String(keys.AttestationPublicKey)));
        Assert.Equal(publicKey, Convert.ToHexStringLower(Convert.FromBase64String(keys.QuotePublicKey)));
        Assert.Equal(signature, Convert.ToHexStringLower(Convert.FromBase64String(keys.SignAttestation(payload))));
        Assert.Equal(signature, Convert.ToHexStringLower(Convert.FromBase64String(keys.SignQuote(payload))));
        Assert.True(IssuerSigningKeys.Verify(keys.AttestationPublicKey, payload, Convert.ToBase64String(Convert.FromHexString(signature))));
    }

    [Fact]
    public void EachKeyVerifiesOnlyItsOwnSignatures()
    {
        var keys = NewKeys();
        var attestation = keys.SignAttestation(Payload);
        var quote = keys.SignQuote(Payload);
        Assert.True(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload, attestation));
        Assert.True(IssuerSigningKeys.Verify(keys.QuotePublicKey, Payload, quote));
        Assert.NotEqual(keys.AttestationPublicKey, keys.QuotePublicKey);
        Assert.False(IssuerSigningKeys.Verify(keys.QuotePublicKey, Payload, attestation));
        Assert.False(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload, quote));
        Assert.False(IssuerSigningKeys.Verify(NewKeys().AttestationPublicKey, Payload, attestation));
    }

    [Fact]
    public void TamperingIsDetected()
    {
        var keys = NewKeys();
        var signature = keys.SignAttestation(Payload);

        var payload = (byte[])Payload.Clone();
        payload[10] ^= 0x01;
        Assert.False(IssuerSigningKeys.Verify(keys.AttestationPublicKey, payload, signature));
        Assert.False(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload.AsSpan(0, Payload.Length - 1), signature));

        for (var bit = 0; bit < 512; bit += 37)
        {
            var tampered = Convert.FromBase64String(signature);
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload, Convert.ToBase64String(tampered)));
        }

        var key = Convert.FromBase64String(keys.AttestationPublicKey);
        key[3] ^= 0x40;
        Assert.False(IssuerSigningKeys.Verify(Convert.ToBase64String(key), Payload, signature));
    }

    [Theory]
    // "good" stands for the real key or signature, so each row breaks exactly one of the two.
    [InlineData("not base64!!", "good")]
    [InlineData("", "good")]
    [InlineData(null, "good")]
    [InlineData("short", "good")]        // valid base64 alphabet, wrong length
    [InlineData("good", "not base64!!")]
    [InlineData("good", "")]
    [InlineData("good", null)]
    [InlineData("good", "AAAA")]
    [InlineData("//////////////////////////////////////////8=", "good")] // 32 bytes that are not a canonical curve point
    public void MalformedInputIsFalseNeverAnException(string? publicKey, string? signature)
    {
        var keys = NewKeys();
        var good = keys.SignAttestation(Payload);
        Assert.True(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload, good));
        Assert.False(IssuerSigningKeys.Verify(
            publicKey == "good" ? keys.AttestationPublicKey : publicKey, Payload, signature == "good" ? good : signature));
    }

    [Fact]
    public void WrongLengthsAreFalse()
    {
        var keys = NewKeys();
        var signature = Convert.FromBase64String(keys.SignAttestation(Payload));
        var publicKey = Convert.FromBase64String(keys.AttestationPublicKey);
        Assert.False(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload, Convert.ToBase64String(signature[..63])));
        Assert.False(IssuerSigningKeys.Verify(keys.AttestationPublicKey, Payload, Convert.ToBase64String([.. signature, 0])));
        Assert.False(IssuerSigningKeys.Verify(Convert.ToBase64String(publicKey[..31]), Payload, Convert.ToBase64String(signature)));
        Assert.False(IssuerSigningKeys.Verify(Convert.ToBase64String([.. publicKey, 0]), Payload, Convert.ToBase64String(signature)));
    }

    [Fact]
    public void KeysFromConfigurationRoundTrip()
    {
        var attestationSeed = IssuerSigningKeys.NewKeySeedBase64();
        var quoteSeed = IssuerSigningKeys.NewKeySeedBase64();
        Assert.Equal(32, Convert.FromBase64String(attestationSeed).Length);
        var first = IssuerSigningKeys.FromConfiguration(Configuration(attestationSeed, quoteSeed), NullLogger.Instance);
        var restarted = IssuerSigningKeys.FromConfiguration(Configuration(attestationSeed, quoteSeed), NullLogger.Instance);
        Assert.Equal(first.AttestationPublicKey, restarted.AttestationPublicKey);
        Assert.Equal(first.QuotePublicKey, restarted.QuotePublicKey);
        Assert.Equal(first.SignAttestation(Payload), restarted.SignAttestation(Payload));
        Assert.True(IssuerSigningKeys.Verify(first.QuotePublicKey, Payload, restarted.SignQuote(Payload)));
        var direct = new IssuerSigningKeys(Convert.FromBase64String(attestationSeed), Convert.FromBase64String(quoteSeed));
        Assert.Equal(direct.AttestationPublicKey, first.AttestationPublicKey);
    }

    [Fact]
    public void MissingKeysAreRandomPerProcessWithAWarning()
    {
        var logger = new RecordingLogger();
        var first = IssuerSigningKeys.FromConfiguration(Configuration(null, ""), logger);
        var second = IssuerSigningKeys.FromConfiguration(Configuration(null, ""), NullLogger.Instance);
        Assert.NotEqual(first.AttestationPublicKey, second.AttestationPublicKey);
        Assert.NotEqual(first.QuotePublicKey, second.QuotePublicKey);
        Assert.True(IssuerSigningKeys.Verify(first.AttestationPublicKey, Payload, first.SignAttestation(Payload)));
        Assert.Equal(2, logger.Warnings.Count);
        Assert.Contains(logger.Warnings, w => w.Contains(IssuerSigningKeys.AttestationKeyName, StringComparison.Ordinal) && w.Contains("NOT verify", StringComparison.Ordinal));
        Assert.Contains(logger.Warnings, w => w.Contains(IssuerSigningKeys.QuoteKeyName, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not base64!!")]
    [InlineData("AAAA")]                                          // 3 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 64 bytes
    public void MalformedConfiguredKeysFailAtStart(string seed)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            IssuerSigningKeys.FromConfiguration(Configuration(IssuerSigningKeys.NewKeySeedBase64(), seed), NullLogger.Instance));
        Assert.Contains(IssuerSigningKeys.QuoteKeyName, error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new IssuerSigningKeys(new byte[31], new byte[32]));
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
