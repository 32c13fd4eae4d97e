namespace Sharemint.Chains.Solana;

/// <summary>
/// Builds and signs a transaction: fee payer, blockhash, optional compute-budget instructions
/// (placed first), the instructions, legacy or v0. Not thread-safe; one builder per transaction.
/// </summary>
public sealed class TransactionBuilder
{
    private readonly List<TransactionInstruction> _instructions = [];
    private PublicKey? _feePayer;
    private string? _blockhash;
    private uint? _computeUnitLimit;
    private ulong? _computeUnitPrice;
    private bool _v0;
    private IReadOnlyList<AddressLookupTable> _tables = [];

    /// <summary>Sets the account that pays the fee (and signs first).</summary>
    public TransactionBuilder SetFeePayer(PublicKey feePayer)
    {
        _feePayer = feePayer;
        return this;
    }

    /// <summary>Sets the blockhash that bounds the transaction's lifetime.</summary>
    public TransactionBuilder SetRecentBlockhash(string blockhash)
    {
        Base58.Decode(blockhash, 32);
        _blockhash = blockhash;
        return this;
    }

    /// <summary>Requests a compute-unit limit (SetComputeUnitLimit).</summary>
    public TransactionBuilder SetComputeUnitLimit(uint units)
    {
        _computeUnitLimit = units;
        return this;
    }

    /// <summary>Sets a priority fee in micro-lamports per compute unit (SetComputeUnitPrice).</summary>
    public TransactionBuilder SetComputeUnitPrice(ulong microLamports)
    {
        _computeUnitPrice = microLamports;
        return this;
    }

    /// <summary>Compiles a v0 message, optionally loading accounts from lookup tables.</summary>
    public TransactionBuilder UseVersion0(IReadOnlyList<AddressLookupTable>? lookupTables = null)
    {
        _v0 = true;
        _tables = lookupTables ?? [];
        return this;
    }

    /// <summary>Appends instructions.</summary>
    public TransactionBuilder Add(params TransactionInstruction[] instructions)
    {
        _instructions.AddRange(instructions);
        return this;
    }

    /// <summary>Appends instructions.</summary>
    public TransactionBuilder AddRange(IEnumerable<TransactionInstruction> instructions)
    {
        _instructions.AddRange(instructions);
        return this;
    }

    /// <summary>Compiles the message without signing.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidTransaction"/> when the fee payer or blockhash is missing.</exception>
    public Message CompileMessage()
    {
        if (_feePayer is not { } payer)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "no fee payer set");
        }
        if (_blockhash is null)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "no recent blockhash set");
        }
        var all = new List<TransactionInstruction>();
        if (_computeUnitLimit is { } limit)
        {
            all.Add(ComputeBudgetProgram.SetComputeUnitLimit(limit));
        }
        if (_computeUnitPrice is { } price)
        {
            all.Add(ComputeBudgetProgram.SetComputeUnitPrice(price));
        }
        all.AddRange(_instructions);
        return _v0
            ? MessageCompiler.CompileV0(payer, _blockhash, all, _tables)
            : MessageCompiler.CompileLegacy(payer, _blockhash, all);
    }

    /// <summary>Compiles and signs.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidTransaction"/> for a missing signer or an oversized transaction.</exception>
    public Transaction Build(params Keypair[] signers) => Transaction.Sign(CompileMessage(), signers);
}
