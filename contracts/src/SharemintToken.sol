// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @dev ERC-8056 (Scaled UI Amount, draft) core interface: id 0xa60bf13d.
interface IScaledUIAmount {
    event UIMultiplierUpdated(uint256 oldMultiplier, uint256 newMultiplier, uint256 effectiveAtTimestamp);

    function uiMultiplier() external view returns (uint256);
}

/// @dev ERC-8056 optional conversion helpers: id 0x57854fc3.
interface IScaledUIAmountConversion {
    function toUIAmount(uint256 rawAmount) external view returns (uint256);
    function fromUIAmount(uint256 uiAmount) external view returns (uint256);
}

/// @dev ERC-8056 optional balance helpers: id 0xd890fd71.
interface IScaledUIAmountBalances {
    function balanceOfUI(address account) external view returns (uint256);
    function totalSupplyUI() external view returns (uint256);
}

/// @dev ERC-8056 pending multiplier (the value last scheduled and when it takes effect): id 0x4bd27648.
interface IScaledUIAmountNewUIMultiplier {
    function newUIMultiplier() external view returns (uint256);
    function effectiveAt() external view returns (uint256);
}

/// @title Sharemint tokenized equity (one deployment per asset and chain).
/// @notice Balances never change for corporate actions: the multiplier (shares per token, 18 decimals)
/// carries dividends and splits. Every supply change carries an operation id that can be used once.
/// The multiplier is exposed through ERC-8056 (wallets show balanceOf x uiMultiplier / 1e18) and approvals can be
/// signed off-chain (ERC-2612 permit, EIP-712 domain: token name, version "1").
contract SharemintToken is
    ERC20,
    ERC20Permit,
    AccessControl,
    Pausable,
    IScaledUIAmount,
    IScaledUIAmountConversion,
    IScaledUIAmountBalances,
    IScaledUIAmountNewUIMultiplier
{
    uint256 private constant MULTIPLIER_ONE = 1e18;

    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant MULTIPLIER_UPDATER_ROLE = keccak256("MULTIPLIER_UPDATER_ROLE");
    bytes32 public constant BLOCKLIST_ADMIN_ROLE = keccak256("BLOCKLIST_ADMIN_ROLE");

    /// @dev The operation id was already used by a mint, batch mint or burn.
    error OperationAlreadyApplied(bytes32 opId);
    /// @dev A zero operation id is refused so that a forgotten id never collides.
    error InvalidOperationId();
    /// @dev The account is on the blocklist (as sender, receiver or spender).
    error AddressBlocked(address account);
    error BatchLengthMismatch(uint256 recipients, uint256 amounts);
    error EmptyBatch();
    error ZeroAmount();
    /// @dev Compare-and-set on the multiplier failed: someone else updated it first.
    error MultiplierNonceMismatch(uint256 expected, uint256 actual);
    error InvalidMultiplier(uint256 multiplier);

    event Minted(bytes32 indexed opId, address indexed to, uint256 amount);
    event BatchMinted(bytes32 indexed opId, uint256 recipients, uint256 totalAmount);
    event Burned(bytes32 indexed opId, address indexed from, uint256 amount);
    event MultiplierScheduled(uint256 indexed nonce, uint256 multiplier, uint64 activatesAt);
    event BlocklistUpdated(address indexed account, bool blocked);

    mapping(bytes32 opId => bool) private _appliedOperations;
    mapping(address account => bool) private _blocked;

    uint256 private _multiplier;
    uint256 private _pendingMultiplier;
    uint64 private _pendingActivatesAt;
    uint256 private _multiplierNonce;
    /// @dev When `_multiplier` took effect (deployment or an immediate update); reported by effectiveAt() when nothing is scheduled.
    uint64 private _multiplierSince;

    constructor(string memory name_, string memory symbol_, address admin, uint256 initialMultiplier)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        if (initialMultiplier == 0) revert InvalidMultiplier(initialMultiplier);
        _multiplier = initialMultiplier;
        _multiplierSince = uint64(block.timestamp);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _grantRole(BURNER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(MULTIPLIER_UPDATER_ROLE, admin);
        _grantRole(BLOCKLIST_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- supply

    function mint(address to, uint256 amount, bytes32 opId) external onlyRole(MINTER_ROLE) {
        _useOperation(opId);
        if (amount == 0) revert ZeroAmount();
        _mint(to, amount);
        emit Minted(opId, to, amount);
    }

    function mintBatch(address[] calldata to, uint256[] calldata amounts, bytes32 opId)
        external
        onlyRole(MINTER_ROLE)
    {
        _useOperation(opId);
        uint256 n = to.length;
        if (n == 0) revert EmptyBatch();
        if (n != amounts.length) revert BatchLengthMismatch(n, amounts.length);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            if (amounts[i] == 0) revert ZeroAmount();
            _mint(to[i], amounts[i]);
            total += amounts[i];
            emit Minted(opId, to[i], amounts[i]);
        }
        emit BatchMinted(opId, n, total);
    }

    /// @notice Burns from the caller (the issuer's redemption address holds redeemed deposits).
    function burn(uint256 amount, bytes32 opId) external onlyRole(BURNER_ROLE) {
        _useOperation(opId);
        if (amount == 0) revert ZeroAmount();
        _burn(msg.sender, amount);
        emit Burned(opId, msg.sender, amount);
    }

    /// @notice Burns from an account that approved the burner (a redemption address separate from the signer).
    function burnFrom(address account, uint256 amount, bytes32 opId) external onlyRole(BURNER_ROLE) {
        _useOperation(opId);
        if (amount == 0) revert ZeroAmount();
        _spendAllowance(account, msg.sender, amount);
        _burn(account, amount);
        emit Burned(opId, account, amount);
    }

    function operationApplied(bytes32 opId) external view returns (bool) {
        return _appliedOperations[opId];
    }

    // ---------------------------------------------------------------- multiplier

    /// @notice Current multiplier at this block (a scheduled value counts once its activation time has passed).
    function multiplier() public view returns (uint256) {
        if (_pendingActivatesAt != 0 && block.timestamp >= _pendingActivatesAt) return _pendingMultiplier;
        return _multiplier;
    }

    /// @notice The scheduled multiplier not yet active, or (0, 0) when none is pending.
    function pendingMultiplier() external view returns (uint256 value, uint64 activatesAt) {
        if (_pendingActivatesAt != 0 && block.timestamp < _pendingActivatesAt) {
            return (_pendingMultiplier, _pendingActivatesAt);
        }
        return (0, 0);
    }

    function multiplierNonce() external view returns (uint256) {
        return _multiplierNonce;
    }

    /// @notice Compare-and-set: succeeds only when `expectedNonce` equals the current nonce, then bumps it.
    /// An activation time at or before now makes the new value current immediately. A later activation time schedules
    /// the value; scheduling again before it activates replaces (cancels) the earlier schedule, which the caller has seen
    /// because the nonce matched.
    function setMultiplier(uint256 newMultiplier, uint64 activatesAt, uint256 expectedNonce)
        external
        onlyRole(MULTIPLIER_UPDATER_ROLE)
    {
        if (expectedNonce != _multiplierNonce) revert MultiplierNonceMismatch(expectedNonce, _multiplierNonce);
        if (newMultiplier == 0) revert InvalidMultiplier(newMultiplier);
        uint256 oldMultiplier = multiplier();
        if (_pendingActivatesAt != 0 && block.timestamp >= _pendingActivatesAt) {
            _multiplier = _pendingMultiplier;
            _multiplierSince = _pendingActivatesAt;
        }
        uint256 effective = activatesAt;
        if (activatesAt <= block.timestamp) {
            _multiplier = newMultiplier;
            _multiplierSince = uint64(block.timestamp);
            _pendingMultiplier = 0;
            _pendingActivatesAt = 0;
            effective = block.timestamp;
        } else {
            _pendingMultiplier = newMultiplier;
            _pendingActivatesAt = activatesAt;
        }
        uint256 nonce = ++_multiplierNonce;
        emit MultiplierScheduled(nonce, newMultiplier, activatesAt);
        emit UIMultiplierUpdated(oldMultiplier, newMultiplier, effective);
    }

    // ---------------------------------------------------------------- ERC-8056 views

    /// @notice The multiplier in effect at this block, 18 decimals (same value as multiplier()).
    function uiMultiplier() external view returns (uint256) {
        return multiplier();
    }

    /// @notice raw x uiMultiplier / 1e18, rounded down.
    function toUIAmount(uint256 rawAmount) public view returns (uint256) {
        return Math.mulDiv(rawAmount, multiplier(), MULTIPLIER_ONE);
    }

    /// @notice ui x 1e18 / uiMultiplier, rounded down (so toUIAmount(fromUIAmount(x)) never exceeds x).
    function fromUIAmount(uint256 uiAmount) external view returns (uint256) {
        return Math.mulDiv(uiAmount, MULTIPLIER_ONE, multiplier());
    }

    function balanceOfUI(address account) external view returns (uint256) {
        return toUIAmount(balanceOf(account));
    }

    function totalSupplyUI() external view returns (uint256) {
        return toUIAmount(totalSupply());
    }

    /// @notice The latest multiplier set: the scheduled one (while pending and after it took effect), else the current one.
    function newUIMultiplier() external view returns (uint256) {
        return _pendingActivatesAt != 0 ? _pendingMultiplier : _multiplier;
    }

    /// @notice When newUIMultiplier() takes (or took) effect, unix seconds.
    function effectiveAt() external view returns (uint256) {
        return _pendingActivatesAt != 0 ? _pendingActivatesAt : _multiplierSince;
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IScaledUIAmount).interfaceId
            || interfaceId == type(IScaledUIAmountConversion).interfaceId
            || interfaceId == type(IScaledUIAmountBalances).interfaceId
            || interfaceId == type(IScaledUIAmountNewUIMultiplier).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- blocklist and pause

    function setBlocked(address account, bool blocked) external onlyRole(BLOCKLIST_ADMIN_ROLE) {
        _blocked[account] = blocked;
        emit BlocklistUpdated(account, blocked);
    }

    function isBlocked(address account) external view returns (bool) {
        return _blocked[account];
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- internals

    function _useOperation(bytes32 opId) private {
        if (opId == bytes32(0)) revert InvalidOperationId();
        if (_appliedOperations[opId]) revert OperationAlreadyApplied(opId);
        _appliedOperations[opId] = true;
    }

    /// @dev Pause stops every balance change. The blocklist applies to transfers only: the issuer can still
    /// mint to and burn from any address (mint and burn are exempt), e.g. to burn a sanctioned deposit.
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        if (from != address(0) && to != address(0)) {
            if (_blocked[from]) revert AddressBlocked(from);
            if (_blocked[to]) revert AddressBlocked(to);
            if (_blocked[msg.sender]) revert AddressBlocked(msg.sender);
        }
        super._update(from, to, value);
    }

    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        if (emitEvent) {
            if (_blocked[owner]) revert AddressBlocked(owner);
            if (_blocked[spender]) revert AddressBlocked(spender);
        }
        super._approve(owner, spender, value, emitEvent);
    }
}
