#!/usr/bin/env node
// A local Tron node for development and tests. It speaks the full node's HTTP API (/wallet/*, /walletsolidity/*) and
// the event API (/v1/contracts/{address}/events) with Tron's wire formats: protobuf transactions (raw_data_hex,
// broadcasthex), txID = SHA-256(raw_data), secp256k1 signatures recovered to the owner address, base58check/0x41
// addresses, blocks whose ids carry the number (ref_block_bytes / ref_block_hash), expiration enforced. Contracts run
// on an anvil instance that stands in for the TVM. What it does not model is listed in README.md beside this file.
//
//   node devnet/tron/server.js --port 18090 [--anvil http://127.0.0.1:8545] [--block-ms 3000] [--solid-lag 0]
//        [--energy-price 420] [--fund <address>:<sun>]... [--state <file>]
//
// --state <file>: on start, if <file> exists, the whole chain is restored from it (blocks, transactions with their
// infos, TRX balances, contracts and the anvil state behind them), so every txID and balance read before a restart
// reads the same after it; the file is rewritten every 2 seconds and on SIGINT/SIGTERM (written to <file>.tmp, then
// renamed, so a crash leaves the previous complete file). Without --state nothing survives the process.
//
// Misbehaviour switches (as real providers under stress), POST /admin/faults with any of:
//   {"http429": n, "http503": n}   the next n requests are answered 429 (Retry-After: 1) or 503
//   {"dropNext": n}                the next n broadcasts are accepted (result true) and then silently dropped
//   {"solidLag": n}                blocks behind the head before /walletsolidity sees them
// GET /admin/faults returns the current switches. POST /admin/fund {"address","amount"} credits TRX (a faucet).
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');
const TronWebModule = require('tronweb');

const { TronWeb, utils } = TronWebModule;
const P = globalThis.TronWebProto;
const { keccak256, recoverAddress, AbiCoder } = utils.ethersUtils;

// The genesis account: anvil's well-known first key, holding the TRX every test funds its accounts from.
const GENESIS_KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const GENESIS_ADDRESS = '41f39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const MAX_EXPIRATION_MS = 24 * 3600 * 1000;
const BLOCK_GAS_LIMIT = 30_000_000;

function parseArgs(argv) {
  const o = { port: 18090, anvil: null, blockMs: 3000, solidLag: 0, energyPrice: 420, fund: [], state: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--port': o.port = Number(v); i++; break;
      case '--anvil': o.anvil = v; i++; break;
      case '--block-ms': o.blockMs = Number(v); i++; break;
      case '--solid-lag': o.solidLag = Number(v); i++; break;
      case '--energy-price': o.energyPrice = Number(v); i++; break;
      case '--fund': o.fund.push(v); i++; break;
      case '--state': o.state = v; i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!Number.isInteger(o.port) || o.port <= 0 || o.port > 65535) throw new Error('--port must be 1..65535');
  if (!Number.isInteger(o.blockMs) || o.blockMs < 20) throw new Error('--block-ms must be an integer >= 20');
  return o;
}

// ---------------------------------------------------------------- encodings

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const unhex = (s) => Buffer.from(String(s || '').replace(/^0x/, ''), 'hex');
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest();
const utf8Hex = (s) => Buffer.from(s, 'utf8').toString('hex');

class NodeError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

/** Normalises an address given as 41-hex or base58check to 41-hex; throws with a clear message otherwise. */
function toHexAddress(value, what = 'address') {
  if (typeof value !== 'string' || value.length === 0) throw new NodeError('CONTRACT_VALIDATE_ERROR', `Invalid ${what}: empty`);
  if (/^41[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (/^(0x)?[0-9a-fA-F]{40}$/.test(value)) return '41' + value.replace(/^0x/, '').toLowerCase();
  const decoded = utils.crypto.decode58Check(value);
  if (!decoded || decoded.length !== 21 || decoded[0] !== 0x41) throw new NodeError('CONTRACT_VALIDATE_ERROR', `Invalid ${what} ${value}: not a base58check Tron address`);
  return hex(decoded);
}
const evmOf = (a41) => '0x' + a41.slice(2);
const base58Of = (a41) => utils.crypto.getBase58CheckAddress(Array.from(unhex(a41)));

const ENTRY_TYPES = ['UnknownEntryType', 'Constructor', 'Function', 'Event', 'Fallback', 'Receive', 'Error'];
const MUTABILITY = ['UnknownMutabilityType', 'Pure', 'View', 'Nonpayable', 'Payable'];

function abiToJson(abiPb) {
  if (!abiPb) return undefined;
  const param = (p) => ({ ...(p.getIndexed() ? { indexed: true } : {}), ...(p.getName() ? { name: p.getName() } : {}), type: p.getType() });
  return {
    entrys: abiPb.getEntrysList().map((e) => ({
      ...(e.getAnonymous() ? { anonymous: true } : {}),
      ...(e.getConstant() ? { constant: true } : {}),
      ...(e.getName() ? { name: e.getName() } : {}),
      ...(e.getInputsList().length ? { inputs: e.getInputsList().map(param) } : {}),
      ...(e.getOutputsList().length ? { outputs: e.getOutputsList().map(param) } : {}),
      type: ENTRY_TYPES[e.getType()],
      ...(e.getPayable() ? { payable: true } : {}),
      ...(e.getStatemutability() ? { stateMutability: MUTABILITY[e.getStatemutability()] } : {}),
    })),
  };
}

/** Decodes raw_data bytes into the node's JSON form (hex addresses, as java-tron prints with visible=false). */
function decodeRaw(rawBytes) {
  let raw;
  try {
    raw = P.Transaction.raw.deserializeBinary(new Uint8Array(rawBytes));
  } catch (e) {
    throw new NodeError('OTHER_ERROR', `raw_data is not a Transaction.raw protobuf: ${e.message}`);
  }
  const contracts = raw.getContractList();
  if (contracts.length !== 1) throw new NodeError('CONTRACT_VALIDATE_ERROR', `a transaction carries exactly one contract, got ${contracts.length}`);
  const c = contracts[0];
  const any = c.getParameter();
  const typeUrl = any ? any.getTypeUrl() : '';
  const body = any ? any.getValue_asU8() : new Uint8Array();
  let type; let value;
  switch (c.getType()) {
    case P.Transaction.Contract.ContractType.TRANSFERCONTRACT: {
      const t = P.TransferContract.deserializeBinary(body);
      type = 'TransferContract';
      value = { amount: t.getAmount(), owner_address: hex(t.getOwnerAddress_asU8()), to_address: hex(t.getToAddress_asU8()) };
      break;
    }
    case P.Transaction.Contract.ContractType.TRIGGERSMARTCONTRACT: {
      const t = P.TriggerSmartContract.deserializeBinary(body);
      type = 'TriggerSmartContract';
      value = { data: hex(t.getData_asU8()), owner_address: hex(t.getOwnerAddress_asU8()), contract_address: hex(t.getContractAddress_asU8()) };
      if (t.getCallValue()) value.call_value = t.getCallValue();
      break;
    }
    case P.Transaction.Contract.ContractType.CREATESMARTCONTRACT: {
      const t = P.CreateSmartContract.deserializeBinary(body);
      const s = t.getNewContract();
      type = 'CreateSmartContract';
      value = {
        owner_address: hex(t.getOwnerAddress_asU8()),
        new_contract: {
          bytecode: hex(s.getBytecode_asU8()),
          ...(s.getConsumeUserResourcePercent() ? { consume_user_resource_percent: s.getConsumeUserResourcePercent() } : {}),
          ...(s.getName() ? { name: s.getName() } : {}),
          origin_address: hex(s.getOriginAddress_asU8()),
          ...(s.hasAbi() ? { abi: abiToJson(s.getAbi()) } : {}),
          ...(s.getOriginEnergyLimit() ? { origin_energy_limit: s.getOriginEnergyLimit() } : {}),
          ...(s.getCallValue() ? { call_value: s.getCallValue() } : {}),
        },
      };
      break;
    }
    default:
      throw new NodeError('CONTRACT_VALIDATE_ERROR', `contract type ${c.getType()} is not supported by this node (TransferContract, CreateSmartContract, TriggerSmartContract are)`);
  }
  if (typeUrl !== `type.googleapis.com/protocol.${type}`) throw new NodeError('CONTRACT_VALIDATE_ERROR', `parameter type_url ${typeUrl} does not match ${type}`);
  const json = {
    contract: [{ parameter: { value, type_url: typeUrl }, type }],
    ref_block_bytes: hex(raw.getRefBlockBytes_asU8()),
    ref_block_hash: hex(raw.getRefBlockHash_asU8()),
    expiration: raw.getExpiration(),
    timestamp: raw.getTimestamp(),
  };
  if (raw.getFeeLimit()) json.fee_limit = raw.getFeeLimit();
  if (raw.getData_asU8().length) json.data = hex(raw.getData_asU8());
  return json;
}

/** Builds a TriggerSmartContract raw_data for /wallet/triggersmartcontract (what java-tron returns unsigned). */
function buildTriggerRaw(owner, contract, data, callValue, feeLimit, ref) {
  const t = new P.TriggerSmartContract();
  t.setOwnerAddress(unhex(owner));
  t.setContractAddress(unhex(contract));
  if (callValue) t.setCallValue(callValue);
  t.setData(unhex(data));
  const any = new (require('google-protobuf/google/protobuf/any_pb.js').Any)();
  any.pack(t.serializeBinary(), 'protocol.TriggerSmartContract');
  const c = new P.Transaction.Contract();
  c.setType(P.Transaction.Contract.ContractType.TRIGGERSMARTCONTRACT);
  c.setParameter(any);
  const raw = new P.Transaction.raw();
  raw.addContract(c);
  raw.setRefBlockBytes(unhex(ref.ref_block_bytes));
  raw.setRefBlockHash(unhex(ref.ref_block_hash));
  raw.setExpiration(ref.expiration);
  raw.setTimestamp(ref.timestamp);
  if (feeLimit) raw.setFeeLimit(feeLimit);
  return Buffer.from(raw.serializeBinary());
}

// ---------------------------------------------------------------- anvil

class Anvil {
  constructor(url) { this.url = url; this.id = 0; }
  async call(method, params = []) {
    const response = await fetch(this.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
    });
    const body = await response.json();
    if (body.error) {
      const e = new Error(`${method}: ${body.error.message}`);
      e.rpc = body.error;
      throw e;
    }
    return body.result;
  }
}

async function startAnvil() {
  const anvilPath = path.resolve(__dirname, '..', 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil');
  if (!fs.existsSync(anvilPath)) throw new Error(`anvil not found at ${anvilPath}: run "npm ci" in devnet/`);
  const port = await new Promise((resolve) => {
    const s = require('net').createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const child = spawn(anvilPath, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', '728126428', '--silent', '--code-size-limit', '100000'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const anvil = new Anvil(`http://127.0.0.1:${port}`);
  for (let i = 0; i < 200; i++) {
    try { await anvil.call('eth_chainId'); return { anvil, child }; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  child.kill();
  throw new Error('anvil did not answer within 10 s');
}

// ---------------------------------------------------------------- chain state

class Chain {
  constructor(options, anvil) {
    this.o = options;
    this.anvil = anvil;
    this.blocks = []; // {number, blockID, parentHash, timestamp, txIDs}
    this.txs = new Map(); // txID -> {raw, rawHex, signature[], blockNumber, ret, info}
    this.pending = []; // txIDs in arrival order
    this.accounts = new Map(); // 41hex -> {balance, create_time}
    this.contracts = new Map(); // 41hex -> {evm, abi, bytecode, name, origin, txID, consume_user_resource_percent, origin_energy_limit}
    this.byEvm = new Map(); // evm lower -> 41hex
    this.impersonated = new Set();
    this.pendingEntries = new Map(); // txID -> entry, for the pool
    this.executing = new Set(); // txIDs taken from the pool into the block being produced (a rebroadcast now is a duplicate)
    this.faults = { http429: 0, http503: 0, dropNext: 0, solidLag: options.solidLag };
  }

  head() { return this.blocks[this.blocks.length - 1]; }
  solidHead() { return this.blocks[Math.max(0, this.blocks.length - 1 - this.faults.solidLag)]; }

  genesis() {
    this.accounts.set(GENESIS_ADDRESS, { balance: 100_000_000_000_000_000, create_time: Date.now() });
    for (const f of this.o.fund) {
      const [address, amount] = f.split(':');
      this.accounts.set(toHexAddress(address), { balance: Number(amount), create_time: Date.now() });
    }
    this.seal([], Date.now());
  }

  /** Appends a block: its id is the 8-byte number followed by 24 bytes of the header hash, as java-tron's are. */
  seal(txIDs, timestamp) {
    const parent = this.head();
    const number = parent ? parent.number + 1 : 0;
    const parentHash = parent ? parent.blockID : '0'.repeat(64);
    const digest = sha256(Buffer.from(JSON.stringify({ number, parentHash, timestamp, txIDs })));
    const id = Buffer.alloc(32);
    id.writeBigUInt64BE(BigInt(number));
    digest.copy(id, 8, 8);
    const block = { number, blockID: hex(id), parentHash, timestamp, txIDs };
    this.blocks.push(block);
    return block;
  }

  refParams() {
    const h = this.head();
    return {
      ref_block_bytes: h.number.toString(16).slice(-4).padStart(4, '0'),
      ref_block_hash: h.blockID.slice(16, 32),
      expiration: h.timestamp + 60_000,
      timestamp: Date.now(),
    };
  }

  // ---------------------------------------------------------------- broadcast

  /** Validates a signed transaction as a full node does before it enters the pending pool. */
  accept(rawBytes, signatures) {
    const txID = hex(sha256(rawBytes));
    const raw = decodeRaw(rawBytes);
    if (this.txs.has(txID) || this.pendingEntries.has(txID) || this.executing.has(txID)) throw new NodeError('DUP_TRANSACTION_ERROR', 'dup transaction', txID);
    if (!signatures.length) throw new NodeError('SIGERROR', 'miss sig or contract');
    const owner = raw.contract[0].parameter.value.owner_address;
    const sig = unhex(signatures[0]);
    if (sig.length !== 65) throw new NodeError('SIGERROR', `signature is ${sig.length} bytes, expected 65`);
    let signer;
    try {
      const v = sig[64] >= 27 ? sig[64] : sig[64] + 27;
      signer = '41' + recoverAddress('0x' + txID, { r: '0x' + hex(sig.subarray(0, 32)), s: '0x' + hex(sig.subarray(32, 64)), v }).slice(2).toLowerCase();
    } catch (e) {
      throw new NodeError('SIGERROR', `validate signature error: ${e.message}`);
    }
    if (signer !== owner) throw new NodeError('SIGERROR', `validate signature error: signed by ${base58Of(signer)}, owner is ${base58Of(owner)}`);
    const head = this.head();
    if (raw.expiration <= head.timestamp) {
      throw new NodeError('TRANSACTION_EXPIRATION_ERROR', `Transaction expiration, transaction expiration time is ${raw.expiration}, but latest block time is ${head.timestamp}`);
    }
    if (raw.expiration > head.timestamp + MAX_EXPIRATION_MS) {
      throw new NodeError('TRANSACTION_EXPIRATION_ERROR', `Transaction expiration time is ${raw.expiration}, more than 24 hours after the latest block ${head.timestamp}`);
    }
    const refNumberLow = parseInt(raw.ref_block_bytes || '0', 16);
    const ref = this.blocks.slice(-65536).find((b) => (b.number & 0xffff) === refNumberLow && b.blockID.slice(16, 32) === raw.ref_block_hash);
    if (!ref) throw new NodeError('TAPOS_ERROR', `Tapos check error: no recent block with ref_block_bytes ${raw.ref_block_bytes} and hash ${raw.ref_block_hash}`);
    const account = this.accounts.get(owner);
    if (!account) throw new NodeError('CONTRACT_VALIDATE_ERROR', `Validate ${raw.contract[0].type} error, no OwnerAccount ${base58Of(owner)}`);
    const value = raw.contract[0].parameter.value;
    if (raw.contract[0].type === 'TransferContract') {
      if (!(value.amount > 0)) throw new NodeError('CONTRACT_VALIDATE_ERROR', 'Amount must be greater than 0.');
      if (value.to_address === owner) throw new NodeError('CONTRACT_VALIDATE_ERROR', 'Cannot transfer TRX to yourself.');
      if (account.balance < value.amount) throw new NodeError('CONTRACT_VALIDATE_ERROR', `Validate TransferContract error, balance is not sufficient.`);
    }
    if (raw.contract[0].type === 'TriggerSmartContract' && !this.contracts.has(value.contract_address)) {
      throw new NodeError('CONTRACT_VALIDATE_ERROR', `No contract or not a smart contract: ${base58Of(value.contract_address)}`);
    }
    const entry = { raw, rawHex: hex(rawBytes), signature: signatures.map((s) => s.replace(/^0x/, '')), blockNumber: null, ret: null, info: null };
    if (this.faults.dropNext > 0) {
      this.faults.dropNext--;
      return txID; // accepted, then lost: never enters a block
    }
    this.pendingEntries.set(txID, entry);
    this.pending.push(txID);
    return txID;
  }

  // ---------------------------------------------------------------- block production

  async produce() {
    const timestamp = Math.max(Date.now(), this.head().timestamp + 1);
    const included = [];
    const queue = this.pending.splice(0);
    for (const txID of queue) {
      const entry = this.pendingEntries.get(txID);
      this.executing.add(txID);
      this.pendingEntries.delete(txID);
      if (entry.raw.expiration <= timestamp) continue; // expired in the pool: dropped, as java-tron does
      included.push({ txID, entry });
    }
    const number = this.head().number + 1;
    let logIndex = 0;
    for (const { txID, entry } of included) {
      entry.blockNumber = number;
      try {
        entry.info = await this.execute(txID, entry, number, timestamp);
      } catch (e) {
        // The stand-in failed, not the transaction: report it as failed in this block rather than lose the block.
        console.error(`executing ${txID} failed: ${e.message}`);
        entry.info = { id: txID, fee: 0, blockNumber: number, blockTimeStamp: timestamp, result: 'FAILED', resMessage: utf8Hex(`node error: ${e.message}`), receipt: { result: 'UNKNOWN' } };
      }
      for (const l of entry.info.log || []) l.logIndex = logIndex++;
      entry.ret = entry.info.receipt.result;
      this.txs.set(txID, entry);
    }
    this.seal(included.map((x) => x.txID), timestamp);
    this.executing.clear();
  }

  async ensureImpersonated(evm) {
    if (this.impersonated.has(evm)) return;
    await this.anvil.call('anvil_impersonateAccount', [evm]);
    await this.anvil.call('anvil_setBalance', [evm, '0x' + (10n ** 30n).toString(16)]);
    this.impersonated.add(evm);
  }

  async execute(txID, entry, blockNumber, blockTimeStamp) {
    const c = entry.raw.contract[0];
    const v = c.parameter.value;
    const owner = v.owner_address;
    const account = this.accounts.get(owner);
    const info = { id: txID, fee: 0, blockNumber, blockTimeStamp, contractResult: [''], receipt: { net_usage: entry.rawHex.length / 2 + 65 * entry.signature.length + 64 } };
    if (c.type === 'TransferContract') {
      if (account.balance < v.amount) {
        info.receipt.result = 'FAILED';
        info.result = 'FAILED';
        info.resMessage = utf8Hex('balance is not sufficient');
        return info;
      }
      account.balance -= v.amount;
      const to = this.accounts.get(v.to_address) || { balance: 0, create_time: blockTimeStamp };
      to.balance += v.amount;
      this.accounts.set(v.to_address, to);
      delete info.contractResult;
      info.receipt.result = 'SUCCESS';
      return info;
    }
    const feeLimit = entry.raw.fee_limit || 0;
    const price = this.o.energyPrice;
    const energyLimit = Math.floor(Math.min(feeLimit, account.balance) / price);
    const data = c.type === 'CreateSmartContract' ? v.new_contract.bytecode : v.data;
    const dataBytes = unhex(data);
    let intrinsic = c.type === 'CreateSmartContract' ? 53000 : 21000;
    for (const b of dataBytes) intrinsic += b === 0 ? 4 : 16;
    const gas = Math.min(BLOCK_GAS_LIMIT, intrinsic + energyLimit);
    const from = evmOf(owner);
    await this.ensureImpersonated(from);
    const tx = { from, data: '0x' + data, gas: '0x' + gas.toString(16) };
    if (c.type === 'TriggerSmartContract') tx.to = this.contracts.get(v.contract_address).evm;
    let hash;
    try {
      hash = await this.anvil.call('eth_sendTransaction', [tx]);
    } catch (e) {
      // anvil refuses a transaction whose gas cannot even cover the intrinsic cost: Tron reports that as out of energy.
      info.receipt.result = 'OUT_OF_ENERGY';
      info.result = 'FAILED';
      info.resMessage = utf8Hex(`Not enough energy: ${e.message}`);
      return info;
    }
    // anvil mines asynchronously after answering; the receipt appears a moment later.
    let receipt = null;
    for (let i = 0; i < 1000 && !receipt; i++) {
      receipt = await this.anvil.call('eth_getTransactionReceipt', [hash]);
      if (!receipt) await new Promise((r) => setTimeout(r, 2));
    }
    if (!receipt) throw new Error(`anvil did not mine ${hash}`);
    const gasUsed = Number(BigInt(receipt.gasUsed));
    const energy = Math.max(0, gasUsed - intrinsic);
    const fee = Math.min(energy * price, account.balance);
    account.balance -= fee;
    info.fee = fee;
    info.receipt.energy_fee = fee;
    info.receipt.energy_usage_total = energy;
    if (receipt.status === '0x1') {
      info.receipt.result = 'SUCCESS';
      if (c.type === 'CreateSmartContract') {
        const address = '41' + keccak256(unhex(txID + owner)).slice(2).slice(24);
        const evm = receipt.contractAddress.toLowerCase();
        this.contracts.set(address, {
          evm, abi: v.new_contract.abi || { entrys: [] }, bytecode: v.new_contract.bytecode, name: v.new_contract.name || '', origin: owner, txID,
          consume_user_resource_percent: v.new_contract.consume_user_resource_percent || 0, origin_energy_limit: v.new_contract.origin_energy_limit || 0,
        });
        this.byEvm.set(evm, address);
        info.contract_address = address;
      }
      info.log = receipt.logs.map((l) => ({
        address: (this.byEvm.get(l.address.toLowerCase()) || '41' + l.address.slice(2).toLowerCase()).slice(2),
        topics: l.topics.map((t) => t.slice(2)),
        data: l.data.slice(2),
      }));
      if (!info.log.length) delete info.log;
      if (c.type === 'TriggerSmartContract') info.contractResult = [await this.callOutput(receipt.transactionHash)];
      return info;
    }
    const outOfEnergy = gasUsed >= gas;
    info.receipt.result = outOfEnergy ? 'OUT_OF_ENERGY' : 'REVERT';
    info.result = 'FAILED';
    info.resMessage = utf8Hex(outOfEnergy ? 'Not enough energy for this transaction' : 'REVERT opcode executed');
    if (!outOfEnergy) info.contractResult = [await this.callOutput(receipt.transactionHash)];
    return info;
  }

  /** The bytes a call returned or reverted with (anvil's receipt does not carry them; its call trace does). */
  async callOutput(hash) {
    try {
      const trace = await this.anvil.call('debug_traceTransaction', [hash, { tracer: 'callTracer' }]);
      return (trace.output || '0x').slice(2);
    } catch {
      return '';
    }
  }

  // ---------------------------------------------------------------- JSON views

  txJson(txID, entry) {
    return {
      ...(entry.ret ? { ret: [{ contractRet: entry.ret === 'FAILED' ? 'FAILED' : entry.ret }] } : {}),
      signature: entry.signature,
      txID,
      raw_data: entry.raw,
      raw_data_hex: entry.rawHex,
    };
  }

  blockJson(block, detail = true) {
    const json = {
      blockID: block.blockID,
      block_header: {
        raw_data: {
          number: block.number,
          txTrieRoot: hex(sha256(Buffer.from(block.txIDs.join(''), 'hex'))),
          witness_address: GENESIS_ADDRESS,
          parentHash: block.parentHash,
          version: 31,
          timestamp: block.timestamp,
        },
        witness_signature: '',
      },
    };
    if (detail && block.txIDs.length) json.transactions = block.txIDs.map((id) => this.txJson(id, this.txs.get(id)));
    return json;
  }

  visibleTx(txID, solid) {
    const entry = this.txs.get(txID);
    if (!entry) return null;
    if (solid && entry.blockNumber > this.solidHead().number) return null;
    return entry;
  }

  // ---------------------------------------------------------------- persistence

  async save(file) {
    const anvilState = await this.anvil.call('anvil_dumpState');
    const state = {
      version: 1,
      blocks: this.blocks,
      txs: [...this.txs.entries()],
      accounts: [...this.accounts.entries()],
      contracts: [...this.contracts.entries()],
      anvilState,
    };
    fs.writeFileSync(file + '.tmp', JSON.stringify(state));
    fs.renameSync(file + '.tmp', file);
  }

  async restore(file) {
    const state = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (state.version !== 1) throw new Error(`${file}: unknown state version ${state.version}`);
    await this.anvil.call('anvil_loadState', [state.anvilState]);
    this.blocks = state.blocks;
    this.txs = new Map(state.txs);
    this.accounts = new Map(state.accounts);
    this.contracts = new Map(state.contracts);
    for (const [address, c] of this.contracts) this.byEvm.set(c.evm, address);
  }
}

// ---------------------------------------------------------------- HTTP

function eventSignature(entry) {
  return `${entry.name}(${(entry.inputs || []).map((i) => i.type).join(',')})`;
}

function decodeEvents(chain, contract, query) {
  const c = chain.contracts.get(contract);
  if (!c) return [];
  const events = (c.abi.entrys || []).filter((e) => e.type === 'Event');
  const byTopic = new Map(events.map((e) => [keccak256(Buffer.from(eventSignature(e))).slice(2), e]));
  const coder = AbiCoder.defaultAbiCoder ? AbiCoder.defaultAbiCoder() : new AbiCoder();
  const solid = query.get('only_confirmed') === 'true';
  const last = solid ? chain.solidHead().number : chain.head().number;
  const out = [];
  for (const block of chain.blocks) {
    if (block.number > last) break;
    if (query.get('block_number') && Number(query.get('block_number')) !== block.number) continue;
    if (query.get('min_block_timestamp') && block.timestamp < Number(query.get('min_block_timestamp'))) continue;
    if (query.get('max_block_timestamp') && block.timestamp > Number(query.get('max_block_timestamp'))) continue;
    for (const txID of block.txIDs) {
      const info = chain.txs.get(txID).info;
      (info.log || []).forEach((log, index) => {
        if ('41' + log.address !== contract || !log.topics.length) return;
        const entry = byTopic.get(log.topics[0]);
        if (!entry) return;
        if (query.get('event_name') && query.get('event_name') !== entry.name) return;
        const result = {}; const resultType = {};
        const indexed = entry.inputs.filter((i) => i.indexed);
        const plain = entry.inputs.filter((i) => !i.indexed);
        const decodedPlain = plain.length ? coder.decode(plain.map((i) => i.type), '0x' + log.data) : [];
        let ti = 1; let pi = 0;
        entry.inputs.forEach((input, position) => {
          const value = input.indexed ? coder.decode([input.type], '0x' + log.topics[ti++])[0] : decodedPlain[pi++];
          const text = input.type === 'address' ? '0x' + String(value).slice(2).toLowerCase() : value.toString();
          result[position] = text;
          if (input.name) { result[input.name] = text; resultType[input.name] = input.type; }
        });
        void indexed;
        out.push({
          block_number: block.number, block_timestamp: block.timestamp, caller_contract_address: base58Of(contract), contract_address: base58Of(contract),
          event_index: index, event_name: entry.name, result, result_type: resultType,
          event: `${entry.name}(${entry.inputs.map((i) => `${i.type}${i.indexed ? ' indexed' : ''} ${i.name}`).join(', ')})`, transaction_id: txID,
        });
      });
    }
  }
  if ((query.get('order_by') || 'block_timestamp,desc').endsWith('desc')) out.reverse();
  const limit = Math.min(Number(query.get('limit') || 20), 200);
  return out.slice(0, limit);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  let anvil; let anvilChild = null;
  if (options.anvil) anvil = new Anvil(options.anvil);
  else ({ anvil, child: anvilChild } = await startAnvil());
  await anvil.call('anvil_setCodeSizeLimit', [100000]).catch(() => undefined);
  const chain = new Chain(options, anvil);
  if (options.state && fs.existsSync(options.state)) {
    await chain.restore(options.state);
    console.log(`tron devnet: restored ${chain.blocks.length} blocks and ${chain.txs.size} transactions from ${options.state}`);
  } else {
    chain.genesis();
  }

  const routes = {};
  const route = (names, handler) => { for (const n of names) routes[n] = handler; };

  route(['/wallet/getnowblock', '/walletsolidity/getnowblock'], (b, solid) => chain.blockJson(solid ? chain.solidHead() : chain.head()));
  route(['/wallet/getblock', '/walletsolidity/getblock'], (b, solid) => {
    const top = solid ? chain.solidHead() : chain.head();
    let block = top;
    if (b.id_or_num !== undefined && b.id_or_num !== '') {
      const key = String(b.id_or_num);
      block = /^[0-9]+$/.test(key) ? chain.blocks[Number(key)] : chain.blocks.find((x) => x.blockID === key);
      if (!block || block.number > top.number) return {};
    }
    return chain.blockJson(block, b.detail === true);
  });
  route(['/wallet/getblockbynum', '/walletsolidity/getblockbynum'], (b, solid) => {
    const block = chain.blocks[Number(b.num)];
    if (!block || block.number > (solid ? chain.solidHead() : chain.head()).number) return {};
    return chain.blockJson(block);
  });
  route(['/wallet/getblockbyid', '/walletsolidity/getblockbyid'], (b) => {
    const block = chain.blocks.find((x) => x.blockID === b.value);
    return block ? chain.blockJson(block) : {};
  });
  route(['/wallet/getaccount', '/walletsolidity/getaccount'], (b) => {
    const address = toHexAddress(b.address);
    const a = chain.accounts.get(address);
    if (!a) return {};
    return { address: b.visible ? base58Of(address) : address, balance: a.balance, create_time: a.create_time };
  });
  route(['/wallet/getaccountresource'], () => ({ freeNetLimit: 600, TotalEnergyLimit: 180_000_000_000, TotalNetLimit: 43_200_000_000 }));
  route(['/wallet/getchainparameters'], () => ({
    chainParameter: [{ key: 'getEnergyFee', value: options.energyPrice }, { key: 'getTransactionFee', value: 1000 }, { key: 'getCreateAccountFee', value: 100000 }],
  }));
  route(['/wallet/getenergyprices'], () => ({ prices: `0:${options.energyPrice}` }));
  route(['/wallet/getbandwidthprices'], () => ({ prices: '0:1000' }));
  route(['/wallet/getnodeinfo'], () => ({
    beginSyncNum: 0, block: `Num:${chain.head().number},ID:${chain.head().blockID}`, solidityBlock: `Num:${chain.solidHead().number},ID:${chain.solidHead().blockID}`,
    configNodeInfo: { codeVersion: '4.8.0', versionNum: '19000' }, machineInfo: {},
  }));
  route(['/wallet/gettransactionbyid', '/walletsolidity/gettransactionbyid'], (b, solid) => {
    const id = String(b.value || '').replace(/^0x/, '').toLowerCase();
    const entry = chain.visibleTx(id, solid);
    if (entry) return chain.txJson(id, entry);
    const p = !solid && chain.pendingEntries && chain.pendingEntries.get(id);
    return p ? chain.txJson(id, p) : {};
  });
  route(['/wallet/gettransactioninfobyid', '/walletsolidity/gettransactioninfobyid'], (b, solid) => {
    const id = String(b.value || '').replace(/^0x/, '').toLowerCase();
    const entry = chain.visibleTx(id, solid);
    return entry ? entry.info : {};
  });
  route(['/wallet/gettransactioninfobyblocknum', '/walletsolidity/gettransactioninfobyblocknum'], (b, solid) => {
    const block = chain.blocks[Number(b.num)];
    if (!block || block.number > (solid ? chain.solidHead() : chain.head()).number) return [];
    return block.txIDs.map((id) => chain.txs.get(id).info);
  });
  route(['/wallet/getcontract'], (b) => {
    const address = toHexAddress(b.value, 'contract address');
    const c = chain.contracts.get(address);
    if (!c) return {};
    return {
      origin_address: c.origin, contract_address: address, abi: c.abi, bytecode: c.bytecode, name: c.name,
      consume_user_resource_percent: c.consume_user_resource_percent, origin_energy_limit: c.origin_energy_limit,
    };
  });
  route(['/wallet/getcontractinfo'], (b) => {
    const address = toHexAddress(b.value, 'contract address');
    const c = chain.contracts.get(address);
    if (!c) return {};
    return { runtimecode: '', smart_contract: routes['/wallet/getcontract'](b), contract_state: { energy_usage: 0, energy_factor: 0, update_cycle: 0 } };
  });
  const callData = (b) => {
    if (b.data) return String(b.data).replace(/^0x/, '');
    if (!b.function_selector) throw new NodeError('CONTRACT_VALIDATE_ERROR', 'function_selector or data is required');
    return keccak256(Buffer.from(b.function_selector)).slice(2, 10) + String(b.parameter || '').replace(/^0x/, '');
  };
  route(['/wallet/triggersmartcontract'], (b) => {
    const owner = toHexAddress(b.owner_address, 'owner_address');
    const contract = toHexAddress(b.contract_address, 'contract_address');
    if (!chain.contracts.has(contract)) throw new NodeError('CONTRACT_VALIDATE_ERROR', `No contract or not a smart contract: ${base58Of(contract)}`);
    const rawBytes = buildTriggerRaw(owner, contract, callData(b), Number(b.call_value || 0), Number(b.fee_limit || 0), chain.refParams());
    const txID = hex(sha256(rawBytes));
    return { result: { result: true }, transaction: { visible: false, txID, raw_data: decodeRaw(rawBytes), raw_data_hex: hex(rawBytes) } };
  });
  const constant = async (b) => {
    const contract = toHexAddress(b.contract_address, 'contract_address');
    const c = chain.contracts.get(contract);
    if (!c) throw new NodeError('CONTRACT_VALIDATE_ERROR', `No contract or not a smart contract: ${base58Of(contract)}`);
    const owner = b.owner_address ? toHexAddress(b.owner_address, 'owner_address') : '410000000000000000000000000000000000000000';
    const data = callData(b);
    const call = { from: evmOf(owner), to: c.evm, data: '0x' + data };
    const rawBytes = buildTriggerRaw(owner, contract, data, Number(b.call_value || 0), 0, chain.refParams());
    const transaction = { visible: false, txID: hex(sha256(rawBytes)), raw_data: decodeRaw(rawBytes), raw_data_hex: hex(rawBytes) };
    const gas = Number(BigInt(await anvil.call('eth_estimateGas', [call]).catch(() => '0x0')));
    try {
      const out = await anvil.call('eth_call', [call, 'latest']);
      return { result: { result: true }, energy_used: Math.max(0, gas - 21000), constant_result: [out.slice(2)], transaction };
    } catch (e) {
      const revert = e.rpc && typeof e.rpc.data === 'string' ? e.rpc.data.replace(/^0x/, '') : '';
      return {
        result: { code: 'CONTRACT_EXE_ERROR', message: utf8Hex('REVERT opcode executed') }, energy_used: 0, constant_result: [revert],
        transaction: { ...transaction, ret: [{ ret: 'FAILED' }] },
      };
    }
  };
  route(['/wallet/triggerconstantcontract', '/walletsolidity/triggerconstantcontract'], constant);
  route(['/wallet/estimateenergy'], async (b) => {
    const r = await constant(b);
    return { result: r.result, energy_required: r.energy_used };
  });
  const broadcastResult = (f) => {
    try {
      return { result: true, txid: f() };
    } catch (e) {
      if (!(e instanceof NodeError)) throw e;
      return { code: e.code, message: utf8Hex(e.message) };
    }
  };
  route(['/wallet/broadcasttransaction'], (b) => broadcastResult(() => {
    let rawBytes;
    if (b.raw_data_hex) rawBytes = unhex(b.raw_data_hex);
    else if (b.raw_data) rawBytes = Buffer.from(utils.transaction.txJsonToPb(b).getRawData().serializeBinary());
    else throw new NodeError('OTHER_ERROR', 'raw_data_hex or raw_data is required');
    if (b.txID && b.txID.replace(/^0x/, '').toLowerCase() !== hex(sha256(rawBytes))) throw new NodeError('SIGERROR', `txID ${b.txID} is not SHA-256(raw_data)`);
    return chain.accept(rawBytes, Array.isArray(b.signature) ? b.signature : []);
  }));
  route(['/wallet/broadcasthex'], (b) => {
    let tx;
    try {
      tx = P.Transaction.deserializeBinary(new Uint8Array(unhex(b.transaction)));
    } catch (e) {
      return { result: false, code: 'OTHER_ERROR', message: utf8Hex(`not a Transaction protobuf: ${e.message}`) };
    }
    const rawBytes = Buffer.from(tx.getRawData().serializeBinary());
    const result = broadcastResult(() => chain.accept(rawBytes, tx.getSignatureList_asU8().map((s) => hex(s))));
    return { ...result, transaction: result.result ? chain.txJson(result.txid, { raw: decodeRaw(rawBytes), rawHex: hex(rawBytes), signature: tx.getSignatureList_asU8().map((s) => hex(s)) }) : undefined };
  });
  route(['/wallet/validateaddress'], (b) => {
    try {
      toHexAddress(b.address);
      return { result: true, message: 'Base58check format' };
    } catch (e) {
      return { result: false, message: e.message };
    }
  });
  route(['/admin/faults'], (b) => {
    for (const key of ['http429', 'http503', 'dropNext', 'solidLag']) if (Number.isInteger(b[key]) && b[key] >= 0) chain.faults[key] = b[key];
    return chain.faults;
  });
  route(['/admin/fund'], (b) => {
    const address = toHexAddress(b.address);
    const amount = Number(b.amount);
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new NodeError('CONTRACT_VALIDATE_ERROR', 'amount must be a positive integer of sun');
    const a = chain.accounts.get(address) || { balance: 0, create_time: Date.now() };
    a.balance += amount;
    chain.accounts.set(address, a);
    return { address, balance: a.balance };
  });

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url, 'http://localhost');
      const send = (status, body, headers = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (!url.pathname.startsWith('/admin/')) {
        if (chain.faults.http429 > 0) { chain.faults.http429--; return send(429, { Error: 'Too Many Requests' }, { 'retry-after': '1' }); }
        if (chain.faults.http503 > 0) { chain.faults.http503--; return send(503, { Error: 'Service Unavailable' }); }
      }
      try {
        const events = url.pathname.match(/^\/v1\/contracts\/([^/]+)\/events$/);
        if (events) {
          const data = decodeEvents(chain, toHexAddress(events[1], 'contract address'), url.searchParams);
          return send(200, { data, success: true, meta: { at: Date.now(), page_size: data.length } });
        }
        if (url.pathname === '/admin/faults' && req.method === 'GET') return send(200, chain.faults);
        const handler = routes[url.pathname];
        if (!handler) return send(404, { Error: `${url.pathname} is not served by this node` });
        const text = Buffer.concat(chunks).toString('utf8');
        let body = {};
        if (text.trim()) body = JSON.parse(text);
        for (const [k, v] of url.searchParams) if (body[k] === undefined) body[k] = v;
        return send(200, await handler(body, url.pathname.startsWith('/walletsolidity/')));
      } catch (e) {
        if (e instanceof NodeError) return send(200, { Error: `${e.code}: ${e.message}` });
        if (e instanceof SyntaxError) return send(200, { Error: `invalid JSON: ${e.message}` });
        console.error(e);
        return send(200, { Error: String(e.message || e) });
      }
    });
  });

  let producing = false;
  const timer = setInterval(async () => {
    if (producing) return;
    producing = true;
    try { await chain.produce(); } catch (e) { console.error('block production failed:', e); } finally { producing = false; }
  }, options.blockMs);
  let saving = null;
  const save = async () => {
    if (!options.state) return;
    while (producing) await new Promise((r) => setTimeout(r, 5));
    await chain.save(options.state);
  };
  const saver = options.state ? setInterval(() => { saving = save().catch((e) => console.error('state save failed:', e)); }, 2000) : null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    if (saver) clearInterval(saver);
    if (saving) await saving;
    try { await save(); } catch (e) { console.error('state save failed:', e); }
    server.close();
    if (anvilChild) anvilChild.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (anvilChild) {
    anvilChild.on('exit', (code) => { if (!stopping) { console.error(`anvil exited with ${code}`); process.exit(1); } });
    process.on('exit', () => { if (anvilChild.exitCode === null) anvilChild.kill('SIGKILL'); });
  }
  server.listen(options.port, '127.0.0.1', () => {
    console.log(`tron devnet listening on http://127.0.0.1:${options.port} (anvil ${anvil.url}); genesis ${base58Of(GENESIS_ADDRESS)} key ${GENESIS_KEY}`);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
