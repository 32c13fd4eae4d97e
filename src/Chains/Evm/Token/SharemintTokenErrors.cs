namespace Sharemint.Chains.Evm;

/// <summary>The token refused an operation id it has already applied (mint, batch mint or burn). Retrying cannot succeed.</summary>
public sealed class OperationAlreadyAppliedException(ContractRevertedException revert)
    : ContractRevertedException(revert.ErrorName, revert.Arguments, revert.RawData, revert.TransactionHash)
{
    public Hash32 OperationId { get; } = (Hash32)revert.Arguments[0];
}

/// <summary>A sender, receiver or spender is on the token's blocklist.</summary>
public sealed class AddressBlockedException(ContractRevertedException revert)
    : ContractRevertedException(revert.ErrorName, revert.Arguments, revert.RawData, revert.TransactionHash)
{
    public EvmAddress Account { get; } = (EvmAddress)revert.Arguments[0];
}

/// <summary>The token is paused: no transfer, mint or burn.</summary>
public sealed class TokenPausedException(ContractRevertedException revert)
    : ContractRevertedException(revert.ErrorName, revert.Arguments, revert.RawData, revert.TransactionHash);

/// <summary>The caller lacks the role the function requires.</summary>
public sealed class MissingRoleException(ContractRevertedException revert)
    : ContractRevertedException(revert.ErrorName, revert.Arguments, revert.RawData, revert.TransactionHash)
{
    public EvmAddress Account { get; } = (EvmAddress)revert.Arguments[0];
    public Hash32 Role { get; } = (Hash32)revert.Arguments[1];
}

/// <summary>Compare-and-set of the multiplier failed: the expected nonce is stale. Re-read and re-decide.</summary>
public sealed class MultiplierNonceMismatchException(ContractRevertedException revert)
    : ContractRevertedException(revert.ErrorName, revert.Arguments, revert.RawData, revert.TransactionHash)
{
    public UInt256 Expected { get; } = (UInt256)revert.Arguments[0];
    public UInt256 Actual { get; } = (UInt256)revert.Arguments[1];
}

/// <summary>The account holds less than the amount to transfer or burn.</summary>
public sealed class InsufficientTokenBalanceException(ContractRevertedException revert)
    : ContractRevertedException(revert.ErrorName, revert.Arguments, revert.RawData, revert.TransactionHash)
{
    public EvmAddress Account { get; } = (EvmAddress)revert.Arguments[0];
    public UInt256 Balance { get; } = (UInt256)revert.Arguments[1];
    public UInt256 Needed { get; } = (UInt256)revert.Arguments[2];
}

/// <summary>Maps the token's custom errors to typed exceptions; anything else stays a <see cref="ContractRevertedException"/>.</summary>
public static class SharemintTokenErrors
{
    public static ContractRevertedException Translate(ContractRevertedException revert)
    {
        ArgumentNullException.ThrowIfNull(revert);
        return revert.ErrorName switch
        {
            "OperationAlreadyApplied" => new OperationAlreadyAppliedException(revert),
            "AddressBlocked" => new AddressBlockedException(revert),
            "EnforcedPause" => new TokenPausedException(revert),
            "AccessControlUnauthorizedAccount" => new MissingRoleException(revert),
            "MultiplierNonceMismatch" => new MultiplierNonceMismatchException(revert),
            "ERC20InsufficientBalance" => new InsufficientTokenBalanceException(revert),
            _ => revert,
        };
    }
}
