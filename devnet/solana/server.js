#!/usr/bin/env node
'use strict';
// A local Solana JSON-RPC 2.0 server over LiteSVM (the real SVM with the real SPL Token,
// Token-2022 and Associated Token Account programs, signatures verified).
//
//   node devnet/solana/server.js [--port 8899] [--host 127.0.0.1] [--snapshot file.json]
//        [--blockhash-ttl 150] [--slot-ms 400] [--finalize-depth 2]
//
// Prints one line `solana-devnet ready http://HOST:PORT` on stdout once it accepts requests.
// Blocks: every landed transaction (and airdrop) is its own block; a timer adds empty blocks
// every --slot-ms milliseconds (0 = off). A blockhash is valid for --blockhash-ttl blocks after
// the block that produced it. Reads always see the latest state; commitment arguments are
// accepted, and signature statuses report processed/confirmed/finalized by depth.
// With --snapshot, the touched accounts, the block counters, the blockhash window and the
// transaction history are written there (atomically) after changes and on exit, and restored
// at start.
//
// --state <file> is the same as --snapshot <file>: the contract is that a server started with a file that exists
// restores the whole chain from it (touched accounts, slot and block height, the blockhash window and the
// transaction history, so old signatures stay readable), and rewrites it atomically shortly after every change,
// every 2 seconds while blocks advance, and on SIGINT/SIGTERM.
//
// PubSub: a websocket on the RPC port + 1 (as real clusters serve it) with signatureSubscribe, accountSubscribe,
// slotSubscribe and logsSubscribe (and their unsubscribes); notifications honour the commitment asked for.
//
// Non-standard methods for tests: devnet_advanceBlocks [n], devnet_dropTransactions [n]
// (accept but silently drop the next n sendTransaction calls, as a lossy network would),
// devnet_setFaults [{confirmDepth, finalizeDepth, txNullSlots, http429, http503, dropNext}] (misbehave as real
// providers do: commitment lag, getTransaction null for signatures younger than txNullSlots blocks, the next n HTTP
// requests answered 429 with Retry-After or 503, accepted-then-dropped sends), devnet_snapshot, devnet_shutdown.

const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { LiteSVM, Clock } = require('litesvm');
const kit = require('@solana/kit');
const bs58 = require('bs58').default || require('bs58');
const WebSocket = require('ws');
const { errorToJson } = require('./errors');

const args = parseArgs(process.argv.slice(2));
const HOST = args.host || '127.0.0.1';
const PORT = Number(args.port ?? 8899);
const TTL = Number(args['blockhash-ttl'] ?? 150);
const SLOT_MS = Number(args['slot-ms'] ?? 400);
const SNAPSHOT = args.snapshot || args.state ? path.resolve(args.snapshot || args.state) : null;
// Misbehaviour switches (devnet_setFaults).
const faults = { confirmDepth: 1, finalizeDepth: Number(args['finalize-depth'] ?? 2), txNullSlots: 0, http429: 0, http503: 0 };
const LAMPORTS_PER_SIGNATURE = 5000n;
const MAX_TX_SIZE = 1232;

const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else out[a.slice(2)] = argv[++i];
  }
  return out;
}

// ---------------------------------------------------------------- chain state

const svm = new LiteSVM().withBlockhashCheck(false).withTransactionHistory(0n);
const state = {
  slot: 1,
  blockHeight: 1,
  blockhash: null,
  blockhashes: new Map(), // blockhash -> block height that produced it
  txs: new Map(), // signature -> record
  byAddress: new Map(), // address -> [signature] oldest first
  touched: new Set(), // accounts written by transactions or airdrops
  dropNext: 0,
};

function rpcError(code, message, data) {
  const e = new Error(message);
  e.rpc = { code, message, ...(data === undefined ? {} : { data }) };
  return e;
}
const invalidParams = (msg) => rpcError(-32602, msg);

function nextBlockhash() {
  const h = crypto.createHash('sha256');
  h.update(state.blockhash ? bs58.decode(state.blockhash) : Buffer.from('sharemint-devnet'));
  h.update(String(state.slot));
  return bs58.encode(h.digest());
}

function syncClock() {
  const c = svm.getClock();
  svm.setClock(new Clock(BigInt(state.slot), c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch,
    BigInt(Math.floor(Date.now() / 1000))));
}

// Empty timer blocks do not schedule a snapshot; blocks with transactions do.
// The SlotHashes sysvar as a cluster keeps it (newest first, at most 512): programs such as the address lookup table
// program accept only a recent slot found there.
const MAX_SLOT_HASHES = 512;
let slotHashes = [];
function recordSlotHash(slot, hash) {
  slotHashes.unshift({ slot: BigInt(slot), hash });
  if (slotHashes.length > MAX_SLOT_HASHES) slotHashes.length = MAX_SLOT_HASHES;
  svm.setSlotHashes(slotHashes);
}

function advanceBlock(persist = true) {
  const previous = state.blockhash;
  state.slot += 1;
  state.blockHeight += 1;
  state.blockhash = nextBlockhash();
  state.blockhashes.set(state.blockhash, state.blockHeight);
  // Fresh internal blockhash so LiteSVM's own airdrop transactions never repeat a signature.
  svm.expireBlockhash();
  for (const [hash, height] of state.blockhashes) {
    if (height + TTL < state.blockHeight) state.blockhashes.delete(hash);
    else break;
  }
  syncClock();
  recordSlotHash(state.slot - 1, previous);
  if (persist) scheduleSnapshot();
  else dirtyBlocks = true;
  pubsubOnBlock();
}

function blockhashValid(hash) {
  const h = state.blockhashes.get(hash);
  return h !== undefined && state.blockHeight <= h + TTL;
}

// ---------------------------------------------------------------- wire format

function readShortVec(buf, off) {
  let value = 0;
  for (let i = 0; i < 3; i++) {
    const b = buf[off + i];
    if (b === undefined) throw new Error('truncated compact-u16');
    value |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return [value, off + i + 1];
  }
  throw new Error('compact-u16 too long');
}

function parseTransaction(bytes) {
  let off = 0;
  let n;
  [n, off] = readShortVec(bytes, off);
  const signatures = [];
  for (let i = 0; i < n; i++, off += 64) {
    if (off + 64 > bytes.length) throw new Error('truncated signatures');
    signatures.push(bytes.subarray(off, off + 64));
  }
  const messageBytes = bytes.subarray(off);
  let m = 0;
  let version = 'legacy';
  if (messageBytes[0] & 0x80) {
    version = messageBytes[0] & 0x7f;
    m = 1;
  }
  const header = {
    numRequiredSignatures: messageBytes[m],
    numReadonlySignedAccounts: messageBytes[m + 1],
    numReadonlyUnsignedAccounts: messageBytes[m + 2],
  };
  m += 3;
  [n, m] = readShortVec(messageBytes, m);
  const accountKeys = [];
  for (let i = 0; i < n; i++, m += 32) {
    if (m + 32 > messageBytes.length) throw new Error('truncated account keys');
    accountKeys.push(bs58.encode(messageBytes.subarray(m, m + 32)));
  }
  if (m + 32 > messageBytes.length) throw new Error('truncated blockhash');
  const recentBlockhash = bs58.encode(messageBytes.subarray(m, m + 32));
  m += 32;
  [n, m] = readShortVec(messageBytes, m);
  const instructions = [];
  for (let i = 0; i < n; i++) {
    const programIdIndex = messageBytes[m++];
    let k;
    [k, m] = readShortVec(messageBytes, m);
    const accounts = Array.from(messageBytes.subarray(m, m + k));
    m += k;
    [k, m] = readShortVec(messageBytes, m);
    const data = Buffer.from(messageBytes.subarray(m, m + k));
    m += k;
    if (m > messageBytes.length) throw new Error('truncated instruction');
    instructions.push({ programIdIndex, accounts, data });
  }
  const lookups = [];
  if (version !== 'legacy') {
    [n, m] = readShortVec(messageBytes, m);
    for (let i = 0; i < n; i++) {
      const key = bs58.encode(messageBytes.subarray(m, m + 32));
      m += 32;
      let k;
      [k, m] = readShortVec(messageBytes, m);
      const writableIndexes = Array.from(messageBytes.subarray(m, m + k));
      m += k;
      [k, m] = readShortVec(messageBytes, m);
      const readonlyIndexes = Array.from(messageBytes.subarray(m, m + k));
      m += k;
      lookups.push({ accountKey: key, writableIndexes, readonlyIndexes });
    }
  }
  if (m !== messageBytes.length) throw new Error('trailing bytes after message');
  if (signatures.length !== header.numRequiredSignatures) throw new Error('signature count does not match header');
  return { signatures, messageBytes, version, header, accountKeys, recentBlockhash, instructions, lookups };
}

function isWritable(tx, i) {
  const h = tx.header;
  const nKeys = tx.accountKeys.length;
  if (i >= nKeys) return i < nKeys + loadedOf(tx).writable.length; // loaded: writable ones first, as the runtime orders them
  if (i < h.numRequiredSignatures) return i < h.numRequiredSignatures - h.numReadonlySignedAccounts;
  return i < nKeys - h.numReadonlyUnsignedAccounts;
}

// The addresses a v0 message loads from its lookup tables, as the table accounts hold them when the transaction is
// processed: every table's writable indexes first, then every table's readonly ones (the runtime's order). A table or
// index that cannot be read loads nothing here; LiteSVM then refuses the transaction itself.
const LOOKUP_TABLE_PROGRAM = 'AddressLookupTab1e1111111111111111111111111';
const LOOKUP_TABLE_META_SIZE = 56;
function loadedOf(tx) {
  if (tx.loaded) return tx.loaded;
  const loaded = { writable: [], readonly: [] };
  for (const lookup of tx.lookups) {
    const acc = svm.getAccount(kit.address(lookup.accountKey));
    if (!acc.exists || acc.programAddress !== LOOKUP_TABLE_PROGRAM) continue;
    const data = Buffer.from(acc.data);
    const count = Math.floor((data.length - LOOKUP_TABLE_META_SIZE) / 32);
    const at = (index) => (index < count
      ? bs58.encode(data.subarray(LOOKUP_TABLE_META_SIZE + 32 * index, LOOKUP_TABLE_META_SIZE + 32 * (index + 1))) : null);
    for (const index of lookup.writableIndexes) if (at(index)) loaded.writable.push(at(index));
    for (const index of lookup.readonlyIndexes) if (at(index)) loaded.readonly.push(at(index));
  }
  tx.loaded = loaded;
  return loaded;
}

// Inner (CPI) instructions as the RPC reports them: one group per top-level instruction that made any, by its index.
function innerInstructionsOf(md) {
  if (!md || typeof md.innerInstructions !== 'function') return [];
  const groups = [];
  md.innerInstructions().forEach((list, index) => {
    if (!list || list.length === 0) return;
    groups.push({
      index,
      instructions: list.map((inner) => {
        const ix = inner.instruction();
        return { programIdIndex: ix.programIdIndex(), accounts: Array.from(ix.accounts()),
          data: bs58.encode(Buffer.from(ix.data())), stackHeight: inner.stackHeight() };
      }),
    });
  });
  return groups;
}

function verifySignatures(tx) {
  for (let i = 0; i < tx.signatures.length; i++) {
    const key = crypto.createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, bs58.decode(tx.accountKeys[i])]),
      format: 'der', type: 'spki',
    });
    if (!crypto.verify(null, tx.messageBytes, key, tx.signatures[i])) return false;
  }
  return true;
}

function computeFee(tx) {
  let unitLimit = null;
  let unitPrice = 0n;
  let nonBudget = 0;
  for (const ix of tx.instructions) {
    if (tx.accountKeys[ix.programIdIndex] === COMPUTE_BUDGET_PROGRAM) {
      if (ix.data[0] === 2 && ix.data.length >= 5) unitLimit = BigInt(ix.data.readUInt32LE(1));
      if (ix.data[0] === 3 && ix.data.length >= 9) unitPrice = ix.data.readBigUInt64LE(1);
    } else nonBudget++;
  }
  if (unitLimit === null) unitLimit = BigInt(Math.min(1_400_000, 200_000 * nonBudget));
  const priority = (unitPrice * unitLimit + 999_999n) / 1_000_000n;
  return LAMPORTS_PER_SIGNATURE * BigInt(tx.signatures.length) + priority;
}

// What getRecentPrioritizationFees reads: per landed transaction its slot, compute-unit price and write-locked accounts,
// for the last MAX_FEE_SLOTS slots (as a node keeps a cache of recent blocks).
const MAX_FEE_SLOTS = 150;
const recentFees = [];
function unitPriceOf(tx) {
  let price = 0n;
  for (const ix of tx.instructions) {
    if (tx.accountKeys[ix.programIdIndex] === COMPUTE_BUDGET_PROGRAM && ix.data[0] === 3 && ix.data.length >= 9) price = ix.data.readBigUInt64LE(1);
  }
  return price;
}
function notePrioritizationFee(tx, keys) {
  recentFees.push({ slot: state.slot, price: unitPriceOf(tx), writable: new Set(keys.filter((_, i) => isWritable(tx, i))) });
  while (recentFees.length > 0 && recentFees[0].slot + MAX_FEE_SLOTS <= state.slot) recentFees.shift();
}
// Per slot of the recent window, the lowest price among landed transactions that write-lock all the given accounts
// (0 for a slot without one), oldest first, as real nodes answer.
function getRecentPrioritizationFees([addresses = []] = []) {
  if (!Array.isArray(addresses)) throw invalidParams('Invalid params: expected an array of pubkeys');
  if (addresses.length > 128) throw invalidParams('Too many inputs provided; max 128');
  const keys = addresses.map((a) => String(parseAddress(a)));
  const lowest = new Map();
  for (const entry of recentFees) {
    if (entry.slot + MAX_FEE_SLOTS <= state.slot) continue;
    if (!keys.every((k) => entry.writable.has(k))) continue;
    const seen = lowest.get(entry.slot);
    if (seen === undefined || entry.price < seen) lowest.set(entry.slot, entry.price);
  }
  const out = [];
  for (let slot = Math.max(1, state.slot - MAX_FEE_SLOTS + 1); slot <= state.slot; slot++) {
    out.push({ slot, prioritizationFee: Number(lowest.get(slot) ?? 0n) });
  }
  return out;
}

function decodeWire(encoded, encoding) {
  if (typeof encoded !== 'string') throw invalidParams('Invalid params: transaction must be a string');
  let bytes;
  if (encoding === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw invalidParams('invalid transaction: failed to decode base64');
    bytes = Buffer.from(encoded, 'base64');
  } else if (encoding === undefined || encoding === 'base58') {
    try { bytes = Buffer.from(bs58.decode(encoded)); } catch (e) {
      throw invalidParams('invalid transaction: failed to decode base58');
    }
  } else throw invalidParams(`Invalid params: unsupported encoding: ${encoding}. Supported encodings: base58, base64`);
  if (bytes.length > MAX_TX_SIZE) {
    throw invalidParams(`base64 encoded solana_transaction::versioned::VersionedTransaction too large: ${bytes.length} bytes (max: encoded/raw ${Math.ceil(MAX_TX_SIZE / 3) * 4}/${MAX_TX_SIZE})`);
  }
  try { return { bytes, tx: parseTransaction(bytes) }; } catch (e) {
    throw invalidParams(`invalid transaction: ${e.message}`);
  }
}

function toKitTransaction(parsed) {
  const signatures = {};
  parsed.signatures.forEach((s, i) => { signatures[parsed.accountKeys[i]] = s; });
  return { messageBytes: parsed.messageBytes, signatures };
}

// ---------------------------------------------------------------- transactions

// Every account a transaction touches, in the order its instructions index them: static, then loaded writable, then
// loaded readonly (so balances, history by address and accountIndex agree with a real node's).
function keysOf(tx) {
  const loaded = loadedOf(tx);
  return [...tx.accountKeys, ...loaded.writable, ...loaded.readonly];
}

function balancesOf(keys) {
  return keys.map((k) => {
    const b = svm.getBalance(kit.address(k));
    return b === null ? 0 : Number(b);
  });
}

function tokenBalancesOf(keys) {
  const out = [];
  keys.forEach((k, accountIndex) => {
    const acc = svm.getAccount(kit.address(k));
    if (!acc.exists) return;
    const parsed = parseTokenAccount(acc);
    if (!parsed) return;
    const mint = getMintInfo(parsed.mint);
    out.push({
      accountIndex,
      mint: parsed.mint,
      owner: parsed.owner,
      programId: acc.programAddress,
      uiTokenAmount: uiAmount(parsed.amount, mint ? mint.decimals : 0, mint ? mint.multiplier : 1),
    });
  });
  return out;
}

function meta(result) {
  return result instanceof Object && typeof result.meta === 'function' ? result.meta() : result;
}

function record(signature, tx, rawBytes, err, md, fee, pre, post, preTok, postTok) {
  const rec = {
    signature,
    slot: state.slot,
    blockTime: Math.floor(Date.now() / 1000),
    err,
    fee: Number(fee),
    logs: md ? md.logs() : [],
    unitsConsumed: md ? Number(md.computeUnitsConsumed()) : 0,
    raw: rawBytes ? Buffer.from(rawBytes).toString('base64') : null,
    version: tx ? tx.version : 'legacy',
    keys: tx ? keysOf(tx) : [],
    loaded: tx ? loadedOf(tx) : { writable: [], readonly: [] },
    inner: innerInstructionsOf(md),
    pre, post, preTok, postTok,
  };
  state.txs.set(signature, rec);
  recentRecords.push({ seq: ++recordSeq, rec });
  if (recentRecords.length > 2000) recentRecords.shift();
  for (const k of new Set(rec.keys)) {
    if (!state.byAddress.has(k)) state.byAddress.set(k, []);
    state.byAddress.get(k).push(signature);
  }
  return rec;
}

// Errors that stop a transaction before it is committed (nothing lands, no fee is charged).
const NOT_LANDING = new Set(['AccountInUse', 'AccountLoadedTwice', 'AccountNotFound', 'ProgramAccountNotFound',
  'InsufficientFundsForFee', 'InvalidAccountForFee', 'AlreadyProcessed', 'BlockhashNotFound',
  'MissingSignatureForFee', 'InvalidAccountIndex', 'SignatureFailure', 'SanitizeFailure', 'UnsupportedVersion',
  'InvalidWritableAccount', 'TooManyAccountLocks', 'AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData', 'InvalidAddressLookupTableIndex', 'ResanitizationNeeded']);

function simulationFailure(errJson, md) {
  const first = typeof errJson === 'string' ? errJson : Object.keys(errJson)[0];
  let text = first;
  if (errJson.InstructionError) {
    const [idx, ie] = errJson.InstructionError;
    const detail = typeof ie === 'string' ? ie : ie.Custom !== undefined
      ? `custom program error: 0x${ie.Custom.toString(16)}` : JSON.stringify(ie);
    text = `Error processing Instruction ${idx}: ${detail}`;
  } else if (first === 'BlockhashNotFound') text = 'Blockhash not found';
  else if (first === 'AlreadyProcessed') text = 'This transaction has already been processed';
  else if (first === 'AccountNotFound') text = 'Attempt to debit an account but found no record of a prior credit.';
  else if (first === 'InsufficientFundsForFee') text = 'Insufficient funds for fee';
  return rpcError(-32002, `Transaction simulation failed: ${text}`, {
    accounts: null,
    err: errJson,
    innerInstructions: null,
    logs: md ? md.logs() : [],
    replacementBlockhash: null,
    returnData: null,
    unitsConsumed: md ? Number(md.computeUnitsConsumed()) : 0,
  });
}

function sendTransaction(params) {
  const [encoded, config = {}] = params;
  const { bytes, tx } = decodeWire(encoded, config.encoding);
  const signature = bs58.encode(tx.signatures[0]);
  if (!verifySignatures(tx)) throw rpcError(-32003, 'Transaction signature verification failure');
  const skipPreflight = config.skipPreflight === true;
  if (state.txs.has(signature)) {
    if (skipPreflight) return signature;
    throw simulationFailure('AlreadyProcessed', null);
  }
  if (!blockhashValid(tx.recentBlockhash)) {
    // A leader drops a transaction whose blockhash it does not know; preflight reports it.
    if (skipPreflight) return signature;
    throw simulationFailure('BlockhashNotFound', null);
  }
  const kitTx = toKitTransaction(tx);
  if (!skipPreflight) {
    const sim = svm.simulateTransaction(kitTx);
    if (typeof sim.err === 'function') throw simulationFailure(errorToJson(sim.err()), sim.meta());
  }
  if (state.dropNext > 0) {
    state.dropNext -= 1;
    return signature;
  }
  const keys = keysOf(tx);
  const pre = balancesOf(keys);
  const preTok = tokenBalancesOf(keys);
  const result = svm.sendTransaction(kitTx);
  const failed = typeof result.err === 'function';
  const errJson = failed ? errorToJson(result.err()) : null;
  const errName = errJson === null ? null : typeof errJson === 'string' ? errJson : Object.keys(errJson)[0];
  if (failed && NOT_LANDING.has(errName)) {
    // Nothing landed; with preflight skipped the client learns it only from the missing status.
    return signature;
  }
  keys.forEach((k, i) => { if (isWritable(tx, i)) state.touched.add(k); });
  notePrioritizationFee(tx, keys);
  record(signature, tx, bytes, errJson, meta(result), computeFee(tx), pre, balancesOf(keys), preTok,
    tokenBalancesOf(keys));
  advanceBlock();
  return signature;
}

function simulateTransaction(params) {
  const [encoded, config = {}] = params;
  const { tx } = decodeWire(encoded, config.encoding);
  if (config.sigVerify && !verifySignatures(tx)) throw rpcError(-32003, 'Transaction signature verification failure');
  if (config.sigVerify && config.replaceRecentBlockhash) throw invalidParams('sigVerify may not be used with replaceRecentBlockhash');
  let replacementBlockhash = null;
  if (config.replaceRecentBlockhash) {
    replacementBlockhash = { blockhash: state.blockhash, lastValidBlockHeight: state.blockHeight + TTL };
  } else if (!blockhashValid(tx.recentBlockhash)) {
    return ctx({ err: 'BlockhashNotFound', accounts: null, logs: [], unitsConsumed: 0, returnData: null,
      innerInstructions: null, replacementBlockhash: null });
  }
  // LiteSVM verifies signatures during simulation; without sigVerify the caller may send unsigned bytes.
  const was = svm.inner.getSigverify();
  svm.withSigverify(config.sigVerify === true);
  let sim;
  try { sim = svm.simulateTransaction(toKitTransaction(tx)); } finally { svm.withSigverify(was); }
  const failed = typeof sim.err === 'function';
  const md = sim.meta();
  return ctx({
    err: failed ? errorToJson(sim.err()) : null,
    accounts: null,
    logs: md.logs(),
    unitsConsumed: Number(md.computeUnitsConsumed()),
    returnData: null,
    innerInstructions: null,
    replacementBlockhash,
  });
}

// ---------------------------------------------------------------- accounts and tokens

function parseAddress(value, what = 'pubkey') {
  if (typeof value !== 'string') throw invalidParams(`Invalid param: ${what} must be a base58 string`);
  let bytes;
  try { bytes = bs58.decode(value); } catch (e) { throw invalidParams('Invalid param: Invalid'); }
  if (bytes.length !== 32) throw invalidParams('Invalid param: WrongSize');
  return kit.address(value);
}

function encodeData(data, encoding, dataSlice) {
  let d = Buffer.from(data);
  if (dataSlice) d = d.subarray(dataSlice.offset, dataSlice.offset + dataSlice.length);
  if (encoding === 'base58') {
    if (d.length > 128) throw invalidParams('Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.');
    return [bs58.encode(d), 'base58'];
  }
  if (encoding === undefined || encoding === 'binary') return bs58.encode(d);
  // jsonParsed and base64+zstd fall back to base64, as the real RPC does for unparsed accounts.
  return [d.toString('base64'), 'base64'];
}

function accountJson(acc, config = {}) {
  if (!acc.exists) return null;
  const parsed = config.encoding === 'jsonParsed' ? parsedData(acc) : null;
  return {
    data: parsed || encodeData(acc.data, config.encoding, config.dataSlice),
    executable: acc.executable,
    lamports: Number(acc.lamports),
    owner: acc.programAddress,
    rentEpoch: 18446744073709551615,
    space: Number(acc.space),
  };
}

function ctx(value) {
  return { context: { apiVersion: '2.2.0', slot: state.slot }, value };
}

const isTokenProgram = (p) => p === TOKEN_PROGRAM || p === TOKEN_2022_PROGRAM;

function extensions(data, start) {
  const out = new Map();
  let off = start;
  while (off + 4 <= data.length) {
    const type = data.readUInt16LE(off);
    const len = data.readUInt16LE(off + 2);
    if (type === 0) break;
    out.set(type, data.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

// jsonParsed, as the real RPC renders SPL Token and Token-2022 mints and token accounts.
const EXTENSION_NAMES = {
  1: 'transferFeeConfig', 2: 'transferFeeAmount', 3: 'mintCloseAuthority', 4: 'confidentialTransferMint',
  5: 'confidentialTransferAccount', 6: 'defaultAccountState', 7: 'immutableOwner', 8: 'memoTransfer',
  9: 'nonTransferable', 10: 'interestBearingConfig', 11: 'cpiGuard', 12: 'permanentDelegate',
  13: 'nonTransferableAccount', 14: 'transferHook', 15: 'transferHookAccount', 18: 'metadataPointer',
  19: 'tokenMetadata', 20: 'groupPointer', 22: 'groupMemberPointer', 25: 'scaledUiAmountConfig',
  26: 'pausableConfig', 27: 'pausableAccount',
};
const optionKey = (d, off) => (d.readUInt32LE(off) === 1 ? bs58.encode(d.subarray(off + 4, off + 36)) : null);
const nonZeroKey = (b) => (b.every((x) => x === 0) ? null : bs58.encode(b));

function extensionJson(type, body) {
  const name = EXTENSION_NAMES[type] || 'unparseableExtension';
  switch (type) {
    case 7: case 9: case 13: return { extension: name };
    case 12: return { extension: name, state: { delegate: nonZeroKey(body.subarray(0, 32)) } };
    case 3: return { extension: name, state: { closeAuthority: nonZeroKey(body.subarray(0, 32)) } };
    case 18: return { extension: name, state: { authority: nonZeroKey(body.subarray(0, 32)), metadataAddress: nonZeroKey(body.subarray(32, 64)) } };
    case 26: return { extension: name, state: { authority: nonZeroKey(body.subarray(0, 32)), paused: body[32] === 1 } };
    case 27: return { extension: name };
    case 25: return {
      extension: name,
      state: {
        authority: nonZeroKey(body.subarray(0, 32)), multiplier: String(body.readDoubleLE(32)),
        newMultiplierEffectiveTimestamp: Number(body.readBigInt64LE(40)), newMultiplier: String(body.readDoubleLE(48)),
      },
    };
    case 19: {
      const str = (off) => { const n = body.readUInt32LE(off); return [body.subarray(off + 4, off + 4 + n).toString('utf8'), off + 4 + n]; };
      let off = 64;
      const [name_, a] = str(off); off = a;
      const [symbol, b] = str(off); off = b;
      const [uri, c] = str(off); off = c;
      const n = body.readUInt32LE(off); off += 4;
      const additionalMetadata = [];
      for (let i = 0; i < n; i++) { const [k, x] = str(off); const [v, y] = str(x); off = y; additionalMetadata.push([k, v]); }
      return { extension: name, state: { updateAuthority: nonZeroKey(body.subarray(0, 32)), mint: bs58.encode(body.subarray(32, 64)), name: name_, symbol, uri, additionalMetadata } };
    }
    default: return { extension: name };
  }
}

function parsedData(acc) {
  if (!isTokenProgram(acc.programAddress)) return null;
  const d = Buffer.from(acc.data);
  const program = acc.programAddress === TOKEN_PROGRAM ? 'spl-token' : 'spl-token-2022';
  const exts = (start) => (d.length > start ? [...extensions(d, start)].map(([t, b]) => extensionJson(t, b)) : null);
  const token = parseTokenAccount(acc);
  if (token) {
    const m = getMintInfo(token.mint);
    const decimals = m ? m.decimals : 0;
    const state = d[108] === 2 ? 'frozen' : 'initialized';
    const info = {
      isNative: d.readUInt32LE(109) === 1, mint: token.mint, owner: token.owner, state,
      tokenAmount: uiAmount(token.amount, decimals, m ? m.multiplier : 1),
    };
    const delegate = optionKey(d, 72);
    if (delegate) { info.delegate = delegate; info.delegatedAmount = uiAmount(d.readBigUInt64LE(121), decimals, m ? m.multiplier : 1); }
    const close = optionKey(d, 129);
    if (close) info.closeAuthority = close;
    const e = exts(166);
    if (e) info.extensions = e;
    return { program, parsed: { info, type: 'account' }, space: d.length };
  }
  const mint = parseMint(acc);
  if (mint) {
    const info = {
      decimals: mint.decimals, freezeAuthority: optionKey(d, 46), isInitialized: true, mintAuthority: optionKey(d, 0), supply: mint.supply.toString(),
    };
    const e = exts(166);
    if (e) info.extensions = e;
    return { program, parsed: { info, type: 'mint' }, space: d.length };
  }
  return null;
}

function getProgramAccounts([program, config = {}]) {
  const p = parseAddress(program, 'program id');
  commitmentOf(config);
  const filters = config.filters || [];
  if (!Array.isArray(filters) || filters.length > 4) throw invalidParams('Too many filters provided; max 4');
  const checks = filters.map((f) => {
    if (f && Number.isInteger(f.dataSize)) return (d) => d.length === f.dataSize;
    if (f && f.memcmp && Number.isInteger(f.memcmp.offset) && typeof f.memcmp.bytes === 'string') {
      let bytes;
      try { bytes = f.memcmp.encoding === 'base64' ? Buffer.from(f.memcmp.bytes, 'base64') : Buffer.from(bs58.decode(f.memcmp.bytes)); } catch (e) {
        throw invalidParams('Invalid param: memcmp bytes');
      }
      if (bytes.length > 128) throw invalidParams('Invalid param: memcmp bytes longer than 128');
      return (d) => f.memcmp.offset + bytes.length <= d.length && Buffer.compare(d.subarray(f.memcmp.offset, f.memcmp.offset + bytes.length), bytes) === 0;
    }
    if (f && f.tokenAccountState !== undefined) return (d) => d.length >= 165 && d[108] !== 0;
    throw invalidParams(`Invalid param: unsupported filter ${JSON.stringify(f)}`);
  });
  const value = [];
  for (const acc of svm.getProgramAccounts(p)) {
    const d = Buffer.from(acc.data);
    if (!checks.every((c) => c(d))) continue;
    value.push({ pubkey: acc.address, account: accountJson({ exists: true, ...acc }, config) });
  }
  return config.withContext ? ctx(value) : value;
}

function parseMint(acc) {
  if (!isTokenProgram(acc.programAddress)) return null;
  const d = Buffer.from(acc.data);
  if (d.length < 82 || d[45] !== 1) return null;
  if (d.length > 82 && (d.length < 166 || d[165] !== 1)) return null;
  const m = { supply: d.readBigUInt64LE(36), decimals: d[44], multiplier: 1 };
  if (d.length > 166) {
    const scaled = extensions(d, 166).get(25);
    if (scaled) {
      const now = Number(svm.getClock().unixTimestamp);
      const effective = Number(scaled.readBigInt64LE(40));
      m.multiplier = now >= effective ? scaled.readDoubleLE(48) : scaled.readDoubleLE(32);
    }
  }
  return m;
}

function getMintInfo(mintAddress) {
  const acc = svm.getAccount(kit.address(mintAddress));
  return acc.exists ? parseMint(acc) : null;
}

function parseTokenAccount(acc) {
  if (!isTokenProgram(acc.programAddress)) return null;
  const d = Buffer.from(acc.data);
  if (d.length < 165) return null;
  if (d.length > 165 && d[165] !== 2) return null;
  if (d[108] === 0) return null;
  return {
    mint: bs58.encode(d.subarray(0, 32)),
    owner: bs58.encode(d.subarray(32, 64)),
    amount: d.readBigUInt64LE(64),
  };
}

function uiAmount(raw, decimals, multiplier) {
  // Exact decimal rendering of raw / 10^decimals, scaled by the multiplier when not 1.
  let s;
  if (multiplier === 1) {
    const str = raw.toString().padStart(decimals + 1, '0');
    s = decimals === 0 ? str : `${str.slice(0, -decimals)}.${str.slice(-decimals)}`.replace(/\.?0+$/, '');
  } else {
    const scaled = (Number(raw) * multiplier) / 10 ** decimals;
    s = String(Math.trunc(scaled * 10 ** decimals) / 10 ** decimals);
  }
  return { amount: raw.toString(), decimals, uiAmount: Number(s), uiAmountString: s };
}

function getTokenSupply([mint]) {
  const acc = svm.getAccount(parseAddress(mint));
  if (!acc.exists) throw invalidParams('Invalid param: could not find account');
  const m = parseMint(acc);
  if (!m) throw invalidParams('Invalid param: not a Token mint');
  return ctx(uiAmount(m.supply, m.decimals, m.multiplier));
}

function getTokenAccountBalance([account]) {
  const acc = svm.getAccount(parseAddress(account));
  if (!acc.exists) throw invalidParams('Invalid param: could not find account');
  const t = parseTokenAccount(acc);
  if (!t) throw invalidParams('Invalid param: not a Token account');
  const m = getMintInfo(t.mint);
  if (!m) throw invalidParams('Invalid param: could not find mint');
  return ctx(uiAmount(t.amount, m.decimals, m.multiplier));
}

function getTokenAccountsByOwner([owner, filter, config = {}]) {
  const ownerAddr = parseAddress(owner);
  if (!filter || (filter.mint === undefined) === (filter.programId === undefined)) {
    throw invalidParams('Invalid params: expected a filter with exactly one of mint or programId');
  }
  let programs;
  let mint = null;
  if (filter.mint !== undefined) {
    mint = parseAddress(filter.mint, 'mint');
    const macc = svm.getAccount(mint);
    if (!macc.exists || !parseMint(macc)) throw invalidParams('Invalid param: could not find mint');
    programs = [macc.programAddress];
  } else {
    const p = parseAddress(filter.programId, 'programId');
    if (!isTokenProgram(p)) throw invalidParams(`Invalid param: unrecognized Token program id`);
    programs = [p];
  }
  const value = [];
  for (const p of programs) {
    for (const acc of svm.getProgramAccounts(kit.address(p))) {
      const t = parseTokenAccount(acc);
      if (!t || t.owner !== ownerAddr || (mint && t.mint !== mint)) continue;
      value.push({ pubkey: acc.address, account: accountJson({ exists: true, ...acc }, config) });
    }
  }
  return ctx(value);
}

// ---------------------------------------------------------------- history and statuses

function confirmationStatus(slot) {
  const depth = state.slot - slot;
  if (depth >= faults.finalizeDepth) return ['finalized', null];
  return [depth >= faults.confirmDepth ? 'confirmed' : 'processed', depth];
}

const COMMITMENT_RANK = { processed: 0, confirmed: 1, finalized: 2 };
function meetsCommitment(slot, commitment) {
  const [status] = confirmationStatus(slot);
  return COMMITMENT_RANK[status] >= COMMITMENT_RANK[commitment || 'finalized'];
}

function getSignatureStatuses([signatures, config = {}]) {
  if (!Array.isArray(signatures)) throw invalidParams('Invalid params: expected an array of signatures');
  if (signatures.length > 256) throw invalidParams('Too many inputs provided; max 256');
  return ctx(signatures.map((sig) => {
    checkSignature(sig);
    const rec = state.txs.get(sig);
    if (!rec) return null;
    const [status, confirmations] = confirmationStatus(rec.slot);
    return {
      slot: rec.slot,
      confirmations,
      err: rec.err,
      status: rec.err === null ? { Ok: null } : { Err: rec.err },
      confirmationStatus: status,
    };
  }));
}

function checkSignature(sig) {
  let bytes;
  try { bytes = bs58.decode(sig); } catch (e) { throw invalidParams('Invalid param: Invalid'); }
  if (bytes.length !== 64) throw invalidParams('Invalid param: WrongSize');
}

function getSignaturesForAddress([address, config = {}]) {
  parseAddress(address);
  const limit = config.limit === undefined ? 1000 : config.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidParams('Invalid limit; max 1000');
  if (config.before) checkSignature(config.before);
  if (config.until) checkSignature(config.until);
  const sigs = state.byAddress.get(address) || [];
  const out = [];
  let i = sigs.length - 1;
  if (config.before) {
    const at = sigs.lastIndexOf(config.before);
    i = at < 0 ? -1 : at - 1;
  }
  for (; i >= 0 && out.length < limit; i--) {
    if (config.until && sigs[i] === config.until) break;
    const rec = state.txs.get(sigs[i]);
    if (config.commitment && !meetsCommitment(rec.slot, config.commitment)) continue;
    out.push({
      signature: rec.signature,
      slot: rec.slot,
      err: rec.err,
      memo: null,
      blockTime: rec.blockTime,
      confirmationStatus: confirmationStatus(rec.slot)[0],
    });
  }
  return out;
}

function getTransaction([signature, config = {}]) {
  checkSignature(signature);
  const cfg = typeof config === 'string' ? { encoding: config } : config;
  const rec = state.txs.get(signature);
  if (!rec || !rec.raw) return null;
  if (cfg.commitment === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
  if (!meetsCommitment(rec.slot, cfg.commitment || 'finalized')) return null;
  if (faults.txNullSlots > 0 && state.slot - rec.slot < faults.txNullSlots) return null; // a lagging history store
  if (rec.version !== 'legacy' && cfg.maxSupportedTransactionVersion === undefined) {
    throw rpcError(-32015, 'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0');
  }
  const raw = Buffer.from(rec.raw, 'base64');
  let transaction;
  const enc = cfg.encoding || 'json';
  if (enc === 'base64') transaction = [rec.raw, 'base64'];
  else if (enc === 'base58') transaction = [bs58.encode(raw), 'base58'];
  else {
    const tx = parseTransaction(raw);
    transaction = {
      signatures: tx.signatures.map((s) => bs58.encode(s)),
      message: {
        header: tx.header,
        accountKeys: tx.accountKeys,
        recentBlockhash: tx.recentBlockhash,
        instructions: tx.instructions.map((ix) => ({
          programIdIndex: ix.programIdIndex,
          accounts: ix.accounts,
          data: bs58.encode(ix.data),
          stackHeight: null,
        })),
        ...(tx.version === 'legacy' ? {} : { addressTableLookups: tx.lookups }),
      },
    };
  }
  return {
    slot: rec.slot,
    blockTime: rec.blockTime,
    version: rec.version,
    transaction,
    meta: {
      err: rec.err,
      status: rec.err === null ? { Ok: null } : { Err: rec.err },
      fee: rec.fee,
      preBalances: rec.pre,
      postBalances: rec.post,
      preTokenBalances: rec.preTok,
      postTokenBalances: rec.postTok,
      logMessages: rec.logs,
      innerInstructions: rec.inner || [],
      rewards: [],
      loadedAddresses: rec.loaded || { writable: [], readonly: [] },
      computeUnitsConsumed: rec.unitsConsumed,
    },
  };
}

// ---------------------------------------------------------------- misc methods

function requestAirdrop([address, lamports]) {
  const addr = parseAddress(address);
  if (!Number.isSafeInteger(lamports) || lamports <= 0) throw invalidParams('Invalid params: lamports must be a positive integer');
  const pre = [Number(svm.getBalance(addr) ?? 0n)];
  const res = svm.airdrop(addr, BigInt(lamports));
  if (!res || typeof res.err === 'function') throw rpcError(-32603, `airdrop failed: ${res ? res.toString() : 'no result'}`);
  const signature = bs58.encode(Buffer.from(res.signature()));
  state.touched.add(addr);
  const rec = record(signature, null, null, null, res, 0n, pre, [Number(svm.getBalance(addr))], [], []);
  rec.keys = [addr];
  state.byAddress.set(addr, [...(state.byAddress.get(addr) || []).filter((s) => s !== signature), signature]);
  advanceBlock();
  return signature;
}

function lag(commitment) {
  const depth = commitment === 'processed' ? 0 : commitment === 'confirmed' ? faults.confirmDepth : faults.finalizeDepth;
  return Math.min(depth, state.blockHeight - 1);
}

function commitmentOf(config) {
  const c = config && config.commitment;
  if (c !== undefined && !(c in COMMITMENT_RANK)) throw invalidParams(`Invalid params: unknown commitment ${c}`);
  return c;
}

const methods = {
  getHealth: () => 'ok',
  getVersion: () => ({ 'solana-core': '2.2.0', 'feature-set': 0, litesvm: '1.5.0' }),
  // A block is confirmed one block later and finalized --finalize-depth blocks later; the default
  // commitment is finalized, as on a real node.
  getSlot: ([config] = []) => state.slot - lag(commitmentOf(config)),
  getBlockHeight: ([config] = []) => state.blockHeight - lag(commitmentOf(config)),
  getLatestBlockhash: ([config] = []) => {
    commitmentOf(config);
    return ctx({ blockhash: state.blockhash, lastValidBlockHeight: state.blockHeight + TTL });
  },
  isBlockhashValid: ([hash, config]) => {
    commitmentOf(config);
    if (typeof hash !== 'string') throw invalidParams('Invalid params: blockhash must be a string');
    return ctx(blockhashValid(hash));
  },
  getMinimumBalanceForRentExemption: ([len, config]) => {
    commitmentOf(config);
    if (!Number.isSafeInteger(len) || len < 0) throw invalidParams('Invalid params: data length must be a non-negative integer');
    return Number(svm.minimumBalanceForRentExemption(BigInt(len)));
  },
  getBalance: ([address, config]) => {
    commitmentOf(config);
    const b = svm.getBalance(parseAddress(address));
    return ctx(b === null ? 0 : Number(b));
  },
  getAccountInfo: ([address, config = {}]) => {
    commitmentOf(config);
    return ctx(accountJson(svm.getAccount(parseAddress(address)), config));
  },
  getMultipleAccounts: ([addresses, config = {}]) => {
    commitmentOf(config);
    if (!Array.isArray(addresses)) throw invalidParams('Invalid params: expected an array of pubkeys');
    if (addresses.length > 100) throw invalidParams('Too many inputs provided; max 100');
    const keys = addresses.map((a) => parseAddress(a));
    return ctx(keys.map((k) => accountJson(svm.getAccount(k), config)));
  },
  requestAirdrop,
  sendTransaction,
  simulateTransaction,
  getSignatureStatuses,
  getSignaturesForAddress,
  getTransaction,
  getTokenSupply,
  getTokenAccountBalance,
  getTokenAccountsByOwner,
  getProgramAccounts,
  getRecentPrioritizationFees,
  getFeeForMessage: ([msg]) => {
    let bytes;
    try { bytes = Buffer.from(msg, 'base64'); } catch (e) { throw invalidParams('Invalid params: message'); }
    const tx = parseTransaction(Buffer.concat([Buffer.from([bytes[bytes[0] & 0x80 ? 1 : 0]]),
      Buffer.alloc(64 * bytes[bytes[0] & 0x80 ? 1 : 0]), bytes]));
    return ctx(blockhashValid(tx.recentBlockhash) ? Number(computeFee(tx)) : null);
  },
  getEpochInfo: () => ({ absoluteSlot: state.slot, blockHeight: state.blockHeight, epoch: 0,
    slotIndex: state.slot, slotsInEpoch: 432000, transactionCount: state.txs.size }),
  devnet_advanceBlocks: ([n = 1]) => {
    if (!Number.isInteger(n) || n < 1 || n > 100000) throw invalidParams('Invalid params: n must be 1..100000');
    for (let i = 0; i < n; i++) advanceBlock();
    return { slot: state.slot, blockHeight: state.blockHeight };
  },
  devnet_dropTransactions: ([n = 1]) => {
    if (!Number.isInteger(n) || n < 0) throw invalidParams('Invalid params: n must be a non-negative integer');
    state.dropNext = n;
    return n;
  },
  devnet_setFaults: ([f = {}]) => {
    for (const key of ['confirmDepth', 'finalizeDepth', 'txNullSlots', 'http429', 'http503']) {
      if (f[key] === undefined) continue;
      if (!Number.isInteger(f[key]) || f[key] < 0) throw invalidParams(`Invalid params: ${key} must be a non-negative integer`);
      faults[key] = f[key];
    }
    if (faults.finalizeDepth < faults.confirmDepth) throw invalidParams('Invalid params: finalizeDepth must be at least confirmDepth');
    if (f.dropNext !== undefined) state.dropNext = f.dropNext;
    return { ...faults, dropNext: state.dropNext };
  },
  devnet_snapshot: () => { if (!SNAPSHOT) throw invalidParams('no --snapshot path configured'); writeSnapshot(); return SNAPSHOT; },
  devnet_shutdown: () => { setImmediate(shutdown); return true; },
};

// ---------------------------------------------------------------- snapshot

let snapshotTimer = null;
function scheduleSnapshot() {
  if (!SNAPSHOT || snapshotTimer) return;
  snapshotTimer = setTimeout(() => { snapshotTimer = null; writeSnapshot(); }, 250);
}

function writeSnapshot() {
  if (!SNAPSHOT) return;
  const accounts = {};
  for (const key of state.touched) {
    const acc = svm.getAccount(kit.address(key));
    accounts[key] = acc.exists
      ? { lamports: acc.lamports.toString(), owner: acc.programAddress, executable: acc.executable,
        data: Buffer.from(acc.data).toString('base64') }
      : null;
  }
  const snap = {
    format: 'sharemint-solana-devnet/1',
    slot: state.slot,
    blockHeight: state.blockHeight,
    blockhash: state.blockhash,
    blockhashes: [...state.blockhashes],
    txs: [...state.txs.values()],
    byAddress: [...state.byAddress],
    accounts,
  };
  const tmp = `${SNAPSHOT}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(snap));
  fs.renameSync(tmp, SNAPSHOT);
}

function restoreSnapshot() {
  if (!SNAPSHOT || !fs.existsSync(SNAPSHOT)) return false;
  const snap = JSON.parse(fs.readFileSync(SNAPSHOT, 'utf8'));
  if (snap.format !== 'sharemint-solana-devnet/1') throw new Error(`unknown snapshot format in ${SNAPSHOT}`);
  for (const [key, acc] of Object.entries(snap.accounts)) {
    state.touched.add(key);
    if (acc === null) continue;
    svm.setAccount({ address: kit.address(key), lamports: BigInt(acc.lamports), programAddress: kit.address(acc.owner),
      executable: acc.executable, data: Buffer.from(acc.data, 'base64'), space: 0n });
  }
  state.slot = snap.slot;
  state.blockHeight = snap.blockHeight;
  state.blockhash = snap.blockhash;
  state.blockhashes = new Map(snap.blockhashes);
  state.txs = new Map(snap.txs.map((t) => [t.signature, t]));
  state.byAddress = new Map(snap.byAddress);
  svm.warpToSlot(BigInt(state.slot));
  syncClock();
  return true;
}

// ---------------------------------------------------------------- PubSub (websocket on the RPC port + 1)

function startPubsub(port) {
  const wss = new WebSocket.Server({ host: HOST, port });
  wss.on('error', (e) => { console.error(`pubsub websocket on ${port}: ${e.message}`); });
  wss.on('connection', (ws) => {
    ws.on('message', (text) => {
      let req;
      try { req = JSON.parse(text); } catch (e) { wsSend(ws, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }); return; }
      for (const r of Array.isArray(req) ? req : [req]) wsHandle(ws, r);
    });
    ws.on('close', () => { for (const [id, sub] of subs) if (sub.ws === ws) subs.delete(id); });
  });
}

function wsHandle(ws, req) {
  if (!req || typeof req.method !== 'string') return;
  const id = req.id === undefined ? null : req.id;
  if (id === null) return; // notifications (web3.js sends a 'ping' one) need no answer
  const params = Array.isArray(req.params) ? req.params : [];
  const reply = (result) => wsSend(ws, { jsonrpc: '2.0', id, result });
  const fail = (e) => wsSend(ws, { jsonrpc: '2.0', id, error: e.rpc || { code: -32603, message: String(e.message || e) } });
  try {
    const m = req.method;
    if (m.endsWith('Unsubscribe')) {
      const existed = subs.has(params[0]) && subs.get(params[0]).ws === ws;
      if (!existed) throw invalidParams('Invalid subscription id.');
      subs.delete(params[0]);
      return reply(true);
    }
    let sub;
    if (m === 'slotSubscribe') sub = { kind: 'slot' };
    else if (m === 'signatureSubscribe') {
      checkSignature(params[0]);
      sub = { kind: 'signature', signature: params[0], commitment: commitmentOf(params[1]) || 'finalized' };
    } else if (m === 'accountSubscribe') {
      const address = parseAddress(params[0]);
      const config = params[1] || {};
      sub = { kind: 'account', address, config, commitment: commitmentOf(config) || 'finalized', last: accountFingerprint(address), changes: [] };
    } else if (m === 'logsSubscribe') {
      const filter = params[0];
      let mentions = null;
      if (filter && typeof filter === 'object' && Array.isArray(filter.mentions)) {
        if (filter.mentions.length !== 1) throw invalidParams('Invalid Request: Only 1 address supported');
        mentions = parseAddress(filter.mentions[0]);
      } else if (filter !== 'all' && filter !== 'allWithVotes') throw invalidParams('Invalid params: unknown logs filter');
      sub = { kind: 'logs', mentions, commitment: commitmentOf(params[1]) || 'finalized', seq: recordSeq };
    } else throw rpcError(-32601, 'Method not found');
    sub.id = nextSubscription++;
    sub.ws = ws;
    subs.set(sub.id, sub);
    reply(sub.id);
    if (sub.kind === 'signature') setImmediate(() => checkSignatureSub(sub));
  } catch (e) {
    fail(e);
  }
}

const subs = new Map();
let nextSubscription = 1;
let recordSeq = 0;
const recentRecords = []; // the last transactions, in order, for logsSubscribe
let dirtyBlocks = false;

function wsSend(ws, payload) {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}
function notify(sub, method, result) { wsSend(sub.ws, { jsonrpc: '2.0', method, params: { result, subscription: sub.id } }); }

function accountFingerprint(address) {
  const acc = svm.getAccount(address);
  if (!acc.exists) return 'none';
  return `${acc.lamports}:${acc.programAddress}:${crypto.createHash('sha256').update(Buffer.from(acc.data)).digest('hex')}`;
}

function checkSignatureSub(sub) {
  if (!subs.has(sub.id)) return;
  const rec = state.txs.get(sub.signature);
  if (!rec || !meetsCommitment(rec.slot, sub.commitment)) return;
  notify(sub, 'signatureNotification', { context: { slot: state.slot }, value: { err: rec.err } });
  subs.delete(sub.id); // a signature subscription ends with its notification
}

function pubsubOnBlock() {
  for (const sub of [...subs.values()]) {
    if (sub.kind === 'slot') notify(sub, 'slotNotification', { parent: state.slot - 1, root: state.slot - lag('finalized'), slot: state.slot });
    else if (sub.kind === 'signature') checkSignatureSub(sub);
    else if (sub.kind === 'account') {
      const now = accountFingerprint(sub.address);
      if (now !== sub.last) { sub.last = now; sub.changes.push(state.slot); }
      // A change is announced once the block that made it reaches the subscription's commitment.
      if (sub.changes.length && state.slot - sub.changes[0] >= lag(sub.commitment)) {
        sub.changes = [];
        notify(sub, 'accountNotification', { context: { slot: state.slot }, value: accountJson(svm.getAccount(sub.address), { encoding: 'base64', ...sub.config }) });
      }
    } else if (sub.kind === 'logs') {
      for (const { seq, rec } of recentRecords) {
        if (seq <= sub.seq) continue;
        if (!meetsCommitment(rec.slot, sub.commitment)) break;
        sub.seq = seq;
        if (!rec.raw) continue; // airdrops carry no logs a client asked for
        if (sub.mentions && !rec.keys.includes(sub.mentions)) continue;
        notify(sub, 'logsNotification', { context: { slot: rec.slot }, value: { signature: rec.signature, err: rec.err, logs: rec.logs } });
      }
    }
  }
}

// ---------------------------------------------------------------- HTTP

async function handleOne(req) {
  if (req === null || typeof req !== 'object' || req.jsonrpc !== '2.0' || typeof req.method !== 'string') {
    return { jsonrpc: '2.0', id: req && req.id !== undefined ? req.id : null, error: { code: -32600, message: 'Invalid request' } };
  }
  const id = req.id === undefined ? null : req.id;
  const fn = methods[req.method];
  if (!fn) return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } };
  const params = req.params === undefined ? [] : req.params;
  if (!Array.isArray(params)) return { jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params: expected an array' } };
  try {
    return { jsonrpc: '2.0', id, result: await fn(params) };
  } catch (e) {
    if (e.rpc) return { jsonrpc: '2.0', id, error: e.rpc };
    return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${e.message}` } };
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405);
    res.end();
    return;
  }
  if (faults.http429 > 0) { faults.http429 -= 1; res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }); res.end('Too many requests'); return; }
  if (faults.http503 > 0) { faults.http503 -= 1; res.writeHead(503, { 'content-type': 'text/plain' }); res.end('Service unavailable'); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch (e) {
      send(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (Array.isArray(body)) send(res, await Promise.all(body.map(handleOne)));
    else send(res, await handleOne(body));
  });
});

function send(res, payload) {
  const text = JSON.stringify(payload, (k, v) => (typeof v === 'bigint' ? Number(v) : v));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  if (snapshotTimer) clearTimeout(snapshotTimer);
  writeSnapshot();
  server.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

const restored = restoreSnapshot();
if (!restored) {
  svm.warpToSlot(BigInt(state.slot));
  state.blockhash = nextBlockhash();
  state.blockhashes.set(state.blockhash, state.blockHeight);
  syncClock();
}
if (SLOT_MS > 0) setInterval(() => advanceBlock(false), SLOT_MS).unref();
if (SNAPSHOT) setInterval(() => { if (dirtyBlocks) { dirtyBlocks = false; writeSnapshot(); } }, 2000).unref();
server.listen(PORT, HOST, () => {
  const { port } = server.address();
  startPubsub(port + 1);
  process.stdout.write(`solana-devnet ready http://${HOST}:${port} slot=${state.slot} restored=${restored}\n`);
});
