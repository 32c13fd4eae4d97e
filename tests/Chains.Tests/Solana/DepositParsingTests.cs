using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

/// <summary>
/// Deposits read from a landed transaction (issue 11 behaviour 4): one per transfer instruction, found through address
/// lookup tables in v0 messages and in instructions run by programs, each named by its position in the transaction.
/// </summary>
public sealed class DepositParsingTests
{
    private static readonly PublicKey Mint = Keypair.Generate().PublicKey;
    private static readonly Keypair Holder = Keypair.Generate();
    private static readonly PublicKey Issuer = Keypair.Generate().PublicKey;
    private static readonly PublicKey Redemption = AssociatedTokenProgram.FindAddress(Issuer, Mint);
    private static readonly PublicKey Source = AssociatedTokenProgram.FindAddress(Holder.PublicKey, Mint);

    [Fact]
    public void A_v0_transfer_whose_accounts_come_from_a_lookup_table_is_found()
    {
        var table = new AddressLookupTable(Keypair.Generate().PublicKey, [Keypair.Generate().PublicKey, Redemption, Source, Mint]);
        var tx = new TransactionBuilder().SetFeePayer(Holder.PublicKey).SetRecentBlockhash(Base58.Encode(new byte[32])).UseVersion0([table])
            .Add(Token2022Program.TransferChecked(Source, Mint, Redemption, Holder.PublicKey, 700, 8))
            .Build(Holder);
        var lookup = Assert.Single(tx.Message.AddressTableLookups);
        Assert.DoesNotContain(Redemption, tx.Message.AccountKeys);
        var loaded = lookup.WritableIndexes.Concat(lookup.ReadonlyIndexes).Select(i => table.Addresses[i]).ToList();
        var keys = tx.Message.AccountKeys.Concat(loaded).ToList();
        var details = Details(tx, keys.IndexOf(Source)) with { LoadedAddresses = loaded };

        var deposit = Assert.Single(XStockTokenClient.TransfersInto(Redemption, details, Listed(tx)));
        Assert.Equal(700UL, deposit.Amount);
        Assert.Equal("0", deposit.Position);
        Assert.Equal(Holder.PublicKey, deposit.SourceOwner);
        Assert.Equal(Source, deposit.SourceAccount);
    }

    [Fact]
    public void Two_transfers_in_one_transaction_and_one_run_by_a_program_are_three_deposits()
    {
        var tx = new TransactionBuilder().SetFeePayer(Holder.PublicKey).SetRecentBlockhash(Base58.Encode(new byte[32]))
            .Add(AssociatedTokenProgram.CreateIdempotent(Holder.PublicKey, Issuer, Mint))
            .Add(Token2022Program.TransferChecked(Source, Mint, Redemption, Holder.PublicKey, 100, 8))
            .Add(Token2022Program.TransferChecked(Source, Mint, Redemption, Holder.PublicKey, 200, 8))
            .Build(Holder);
        var keys = tx.Message.AccountKeys.ToList();
        // The associated-token program moving tokens by CPI: an inner Transfer (3) of 50 into the same account.
        var inner = new CompiledInstruction((byte)keys.IndexOf(ProgramIds.Token2022),
            [(byte)keys.IndexOf(Source), (byte)keys.IndexOf(Redemption), (byte)keys.IndexOf(Holder.PublicKey)],
            [3, 50, 0, 0, 0, 0, 0, 0, 0]);
        var details = Details(tx, keys.IndexOf(Source)) with { InnerInstructions = [new InnerInstructions(0, [inner])] };

        var deposits = XStockTokenClient.TransfersInto(Redemption, details, Listed(tx));
        Assert.Equal(["0.0", "1", "2"], deposits.Select(d => d.Position));
        Assert.Equal([50UL, 100UL, 200UL], deposits.Select(d => d.Amount));
        // Transfers into other accounts are not deposits.
        Assert.Empty(XStockTokenClient.TransfersInto(Keypair.Generate().PublicKey, details, Listed(tx)));
    }

    private static SignatureInfo Listed(Transaction tx) => new(tx.Signature, 42, null, null, Commitment.Finalized);

    private static TransactionDetails Details(Transaction tx, int sourceIndex) => new(tx.Signature, 42, null, null, 5000, tx, [],
        [new TransactionTokenBalance(sourceIndex, Mint, Holder.PublicKey, 1_000, 8)], [new TransactionTokenBalance(sourceIndex, Mint, Holder.PublicKey, 300, 8)], null);
}
