using System.Numerics;
using System.Text;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

public sealed class CodecVectorTests
{
    // RFC 8032 section 7.1, tests 1-3: secret key, public key, message, signature.
    [Theory]
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    public void Ed25519_matches_rfc8032(string secret, string publicKey, string message, string signature)
    {
        var kp = Keypair.FromSeed(Convert.FromHexString(secret));
        Assert.Equal(publicKey, Convert.ToHexString(kp.PublicKey.Bytes).ToLowerInvariant());
        var msg = Convert.FromHexString(message);
        var sig = kp.Sign(msg);
        Assert.Equal(signature, Convert.ToHexString(sig).ToLowerInvariant());
        Assert.True(Keypair.Verify(kp.PublicKey, msg, sig));
        sig[5] ^= 1;
        Assert.False(Keypair.Verify(kp.PublicKey, msg, sig));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("61", "2g")]
    [InlineData("626262", "a3gV")]
    [InlineData("636363", "aPEr")]
    [InlineData("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2")]
    [InlineData("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L")]
    [InlineData("516b6fcd0f", "ABnLTmg")]
    [InlineData("bf4f89001e670274dd", "3SEo3LWLoPntC")]
    [InlineData("572e4794", "3EFU7m")]
    [InlineData("ecac89cad93923c02321", "EJDM8drfXA6uyA")]
    [InlineData("10c8511e", "Rt5zm")]
    [InlineData("00000000000000000000", "1111111111")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "11111111111111111111111111111111")]
    public void Base58_known_vectors(string hex, string base58)
    {
        Assert.Equal(base58, Base58.Encode(Convert.FromHexString(hex)));
        Assert.Equal(hex, Convert.ToHexString(Base58.Decode(base58)).ToLowerInvariant());
    }

    [Theory]
    [InlineData("0OIl")]
    [InlineData("abc0")]
    [InlineData("héllo")]
    public void Base58_rejects_characters_outside_the_alphabet(string text)
    {
        var e = Assert.Throws<SolanaException>(() => Base58.Decode(text));
        Assert.Equal(SolanaErrorKind.InvalidEncoding, e.Kind);
        Assert.Equal(SolanaErrorKind.InvalidEncoding, Assert.Throws<SolanaException>(() => PublicKey.Parse(text)).Kind);
    }

    [Fact]
    public void Keys_of_the_wrong_length_are_refused()
    {
        Assert.Equal(SolanaErrorKind.InvalidLength, Assert.Throws<SolanaException>(() => PublicKey.Parse("2g")).Kind);
        Assert.Equal(SolanaErrorKind.InvalidLength, Assert.Throws<SolanaException>(() => new PublicKey(new byte[31])).Kind);
        Assert.Equal(SolanaErrorKind.InvalidLength, Assert.Throws<SolanaException>(() => Keypair.FromSeed(new byte[33])).Kind);
        Assert.Equal(SolanaErrorKind.InvalidLength, Assert.Throws<SolanaException>(() => Keypair.FromSecretKey(new byte[63])).Kind);
        Assert.False(PublicKey.TryParse("1111", out _));
    }

    [Fact]
    public void Solana_cli_keypair_file_round_trips_and_checks_its_halves()
    {
        var kp = Keypair.FromSeed(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        var json = kp.ToJson();
        Assert.StartsWith("[157,97,177,", json, StringComparison.Ordinal);
        Assert.Equal(64, json.Split(',').Length);
        Assert.Equal("FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z", Keypair.FromJson(json).PublicKey.ToString());
        var path = Path.Combine(Path.GetTempPath(), $"kp-{Guid.NewGuid():N}.json");
        try
        {
            kp.Save(path);
            Assert.Equal(kp.PublicKey, Keypair.Load(path).PublicKey);
        }
        finally
        {
            File.Delete(path);
        }
        var secret = kp.SecretKey();
        secret[40] ^= 1;
        Assert.Equal(SolanaErrorKind.InvalidKeypair, Assert.Throws<SolanaException>(() => Keypair.FromSecretKey(secret)).Kind);
        Assert.Equal(SolanaErrorKind.InvalidKeypair, Assert.Throws<SolanaException>(() => Keypair.FromJson("[1,2,300]")).Kind);
        Assert.Equal(SolanaErrorKind.InvalidKeypair, Assert.Throws<SolanaException>(() => Keypair.FromJson("{\"a\":1}")).Kind);
    }

    // Computed once, offline, with @solana/spl-token's getAssociatedTokenAddressSync and web3.js findProgramAddressSync.
    [Fact]
    public void Associated_token_account_and_pda_match_known_addresses()
    {
        var wallet = PublicKey.Parse("FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z");
        var mint = PublicKey.Parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
        Assert.Equal("VM2GEGSS8zhuHTM4KD9BJiNPJx14sJzDcZwfZTm219F", AssociatedTokenProgram.FindAddress(wallet, mint).ToString());
        Assert.Equal("HU2S9ByyqbnCD2SVfvr9qoLtDTtyTnMZoMaw1xpr6cTb", AssociatedTokenProgram.FindAddress(wallet, mint, ProgramIds.Token).ToString());
        var (pda, bump) = PublicKey.FindProgramAddress([Encoding.UTF8.GetBytes("sharemint"), wallet.Bytes.ToArray()], ProgramIds.Token2022);
        Assert.Equal("6rvPbboh6ZYUTt2rZoc8sNZmYQn9VoC6S6CR9GhmbgV1", pda.ToString());
        Assert.Equal(255, bump);
        Assert.False(pda.IsOnCurve());
        Assert.True(wallet.IsOnCurve());
    }

    [Fact]
    public void Off_curve_checks_refuse_curve_points_where_a_pda_is_required()
    {
        var wallet = PublicKey.Parse("FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z");
        Assert.Equal(SolanaErrorKind.AddressOnCurve, Assert.Throws<SolanaException>(() => wallet.RequireOffCurve()).Kind);
        var pda = PublicKey.Parse("6rvPbboh6ZYUTt2rZoc8sNZmYQn9VoC6S6CR9GhmbgV1");
        Assert.Equal(pda, pda.RequireOffCurve());
        // A PDA wallet needs the explicit opt-in for an associated token account, also once its address is derived
        // (derivations are remembered; the opt-in is checked on every call).
        var opted = AssociatedTokenProgram.FindAddress(pda, wallet, allowOwnerOffCurve: true);
        Assert.NotEqual(default, opted);
        Assert.Equal(SolanaErrorKind.AddressOnCurve, Assert.Throws<SolanaException>(() => AssociatedTokenProgram.FindAddress(pda, wallet)).Kind);
        Assert.Equal(opted, AssociatedTokenProgram.FindAddress(pda, wallet, allowOwnerOffCurve: true));
        // Some bump of these seeds lands on the curve: CreateProgramAddress must refuse it, TryCreateProgramAddress say no.
        var onCurveFound = false;
        for (var b = 255; b >= 0 && !onCurveFound; b--)
        {
            byte[][] seeds = [Encoding.UTF8.GetBytes("sharemint"), wallet.Bytes.ToArray(), [(byte)b]];
            try
            {
                var created = PublicKey.CreateProgramAddress(seeds, ProgramIds.Token2022);
                Assert.True(PublicKey.TryCreateProgramAddress(seeds, ProgramIds.Token2022, out var tried));
                Assert.Equal(created, tried);
            }
            catch (SolanaException e) when (e.Kind == SolanaErrorKind.AddressOnCurve)
            {
                onCurveFound = true;
                Assert.False(PublicKey.TryCreateProgramAddress(seeds, ProgramIds.Token2022, out var none));
                Assert.Equal(default, none);
            }
        }
        Assert.True(onCurveFound);
        Assert.Equal(SolanaErrorKind.InvalidSeeds, Assert.Throws<SolanaException>(() => PublicKey.CreateProgramAddress([new byte[33]], ProgramIds.System)).Kind);
    }

    // A legacy SOL transfer signed with RFC 8032 key 1, serialized by @solana/web3.js offline.
    private const string KnownTransfer =
        "AePvMFaDUp1rNCFr0k9v9XqvPDcX5Ra+UAyDMGnKR4+Cl+GWiBEfxmCmUYmc3+Q6G0EUSWkrGgfkAxCJgzT9iw4BAAED11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo9QBfD6EOJWpK3CqdNG368nJgszy7ElozAzVXxKvRmDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusBAgIAAQwCAAAA6AMAAAAAAAA=";

    [Fact]
    public void Known_serialized_transaction_is_reproduced_byte_for_byte()
    {
        var from = Keypair.FromSeed(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        var to = Keypair.FromSeed(Convert.FromHexString("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")).PublicKey;
        var tx = new TransactionBuilder()
            .SetFeePayer(from.PublicKey)
            .SetRecentBlockhash("EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k")
            .Add(SystemProgram.Transfer(from.PublicKey, to, 1000))
            .Build(from);
        Assert.Equal(KnownTransfer, Convert.ToBase64String(tx.Serialize()));

        var parsed = Transaction.Deserialize(Convert.FromBase64String(KnownTransfer));
        Assert.True(parsed.VerifySignatures());
        Assert.Equal(tx.Signature, parsed.Signature);
        Assert.Equal(new MessageHeader(1, 0, 1), parsed.Message.Header);
        Assert.Equal([from.PublicKey, to, ProgramIds.System], parsed.Message.AccountKeys);
        Assert.Equal(KnownTransfer, Convert.ToBase64String(parsed.Serialize()));
    }

    [Fact]
    public void V0_message_round_trips_and_loads_accounts_from_a_lookup_table()
    {
        var payer = Keypair.Generate();
        var mint = Keypair.Generate().PublicKey;
        var holders = Enumerable.Range(0, 5).Select(_ => Keypair.Generate().PublicKey).ToList();
        var table = new AddressLookupTable(Keypair.Generate().PublicKey, [mint, .. holders]);
        var ixs = holders.Select(h => Token2022Program.MintToChecked(mint, h, payer.PublicKey, 5, 8)).ToArray();
        var tx = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(Base58.Encode(new byte[32]))
            .SetComputeUnitLimit(50_000).UseVersion0([table]).Add(ixs).Build(payer);
        var parsed = Transaction.Deserialize(tx.Serialize());
        Assert.Equal(0, parsed.Message.Version);
        Assert.True(parsed.VerifySignatures());
        // Payer and the two invoked programs stay static; mint and holders come from the table as writable.
        Assert.Equal(3, parsed.Message.AccountKeys.Count);
        var lookup = Assert.Single(parsed.Message.AddressTableLookups);
        Assert.Equal(6, lookup.WritableIndexes.Length);
        Assert.Empty(lookup.ReadonlyIndexes);
        Assert.Equal(tx.Serialize(), parsed.Serialize());
        var legacy = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(Base58.Encode(new byte[32])).Add(ixs).Build(payer);
        Assert.True(tx.Size < legacy.Size);
    }

    [Fact]
    public void Message_compiler_orders_accounts_and_merges_flags()
    {
        var payer = Keypair.Generate();
        var signerRo = Keypair.Generate();
        var w = Keypair.Generate().PublicKey;
        var r = Keypair.Generate().PublicKey;
        var program = Keypair.Generate().PublicKey;
        var ix1 = new TransactionInstruction(program, [AccountMeta.ReadOnly(r), AccountMeta.ReadOnly(w), AccountMeta.ReadOnly(signerRo.PublicKey, true)], [1]);
        var ix2 = new TransactionInstruction(program, [AccountMeta.Writable(w)], [2]);
        var m = MessageCompiler.CompileLegacy(payer.PublicKey, Base58.Encode(new byte[32]), [ix1, ix2]);
        Assert.Equal([payer.PublicKey, signerRo.PublicKey, w, r, program], m.AccountKeys);
        Assert.Equal(new MessageHeader(2, 1, 2), m.Header);
        Assert.True(m.IsWritable(2));
        Assert.False(m.IsWritable(3));
        var e = Assert.Throws<SolanaException>(() => Transaction.Sign(m, [payer]));
        Assert.Equal(SolanaErrorKind.InvalidTransaction, e.Kind);
    }

    [Fact]
    public void Malformed_wire_bytes_are_refused_with_a_typed_error()
    {
        var good = Convert.FromBase64String(KnownTransfer);
        Assert.Equal(SolanaErrorKind.InvalidTransaction, Assert.Throws<SolanaException>(() => Transaction.Deserialize(good.AsSpan(0, 100))).Kind);
        Assert.Equal(SolanaErrorKind.InvalidTransaction, Assert.Throws<SolanaException>(() => Transaction.Deserialize([.. good, 0])).Kind);
        Assert.Equal(SolanaErrorKind.InvalidTransaction, Assert.Throws<SolanaException>(() => Transaction.Deserialize([0x80, 0x80, 0x80, 0x01])).Kind);
        var off = 0;
        Assert.Equal(SolanaErrorKind.InvalidTransaction, Assert.Throws<SolanaException>(() => ShortVec.Read([0x80, 0x00], ref off)).Kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(65535)]
    public void Compact_u16_round_trips(int value)
    {
        var o = new List<byte>();
        ShortVec.Write(o, value);
        Assert.Equal(ShortVec.Size(value), o.Count);
        var off = 0;
        Assert.Equal(value, ShortVec.Read(o.ToArray(), ref off));
        Assert.Equal(o.Count, off);
    }

    [Fact]
    public void Amounts_beyond_u64_and_bad_multipliers_are_refused()
    {
        Assert.Equal(ulong.MaxValue, Token2022Program.ToU64(ulong.MaxValue));
        Assert.Equal(SolanaErrorKind.AmountOutOfRange, Assert.Throws<SolanaException>(() => Token2022Program.ToU64(new BigInteger(ulong.MaxValue) + 1)).Kind);
        Assert.Equal(SolanaErrorKind.AmountOutOfRange, Assert.Throws<SolanaException>(() => Token2022Program.ToU64(-1)).Kind);
        var k = Keypair.Generate().PublicKey;
        Assert.Equal(SolanaErrorKind.AmountOutOfRange, Assert.Throws<SolanaException>(() => Token2022Program.UpdateMultiplier(k, k, double.NaN, 0)).Kind);
        Assert.Equal(SolanaErrorKind.AmountOutOfRange, Assert.Throws<SolanaException>(() => ScaledMultiplier.ToDouble(0)).Kind);
        Assert.Equal(1.05, ScaledMultiplier.ToDouble(BigInteger.Parse("1050000000000000000", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(BigInteger.Parse("1050000000000000000", System.Globalization.CultureInfo.InvariantCulture), ScaledMultiplier.ToFixed18(1.05));
    }

    [Fact]
    public void Transactions_over_the_size_limit_are_refused()
    {
        var payer = Keypair.Generate();
        var big = new TransactionInstruction(ProgramIds.System, [], new byte[1200]);
        var e = Assert.Throws<SolanaException>(() => new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(Base58.Encode(new byte[32])).Add(big).Build(payer));
        Assert.Equal(SolanaErrorKind.InvalidTransaction, e.Kind);
    }

    [Fact]
    public void Mint_space_matches_spl_token_getMintLen()
    {
        // spl-token getMintLen([PermanentDelegate, MetadataPointer, ScaledUiAmountConfig, PausableConfig]) = 367; without the delegate 331.
        var k = Keypair.Generate().PublicKey;
        var spec = new XStockMintSpec("n", "s", "u", 8, k, k) { PermanentDelegate = k };
        Assert.Equal(367, spec.InitialSpace);
        Assert.Equal(331, (spec with { PermanentDelegate = null }).InitialSpace);
    }
}
