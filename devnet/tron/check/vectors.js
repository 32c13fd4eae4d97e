#!/usr/bin/env node
// Builds and signs Tron transactions offline with TronWeb (no node is contacted: every transaction names its reference
// block) and prints them as JSON, for the C# client's byte-for-byte test. Deterministic for a given --seed.
//
//   node devnet/tron/check/vectors.js --count 40 --seed 7 [--artifact contracts/out/SharemintToken.json]
'use strict';
const fs = require('fs');
const { TronWeb, utils } = require('tronweb');

const o = { count: 40, seed: 7, artifact: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];

let state = BigInt(o.seed) * 6364136223846793005n + 1442695040888963407n;
const next = () => { state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return state >> 11n; };
const int = (max) => Number(next() % BigInt(max));
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(256))).toString('hex');
const key = () => { for (;;) { const k = bytes(32); if (!/^0+$/.test(k) && k < 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141') return k; } };

async function main() {
  const tronWeb = new TronWeb({ fullHost: 'http://127.0.0.1:1' });
  const vectors = [];
  const kinds = ['transfer', 'trigger', 'trigger-selector'];
  for (let i = 0; i < Number(o.count); i++) {
    const privateKey = key();
    const owner = TronWeb.address.fromPrivateKey(privateKey);
    const number = int(50_000_000);
    const timestamp = 1_700_000_000_000 + int(100_000_000_000);
    const blockHeader = {
      ref_block_bytes: number.toString(16).slice(-4).padStart(4, '0'),
      ref_block_hash: bytes(8),
      expiration: timestamp + 1000 * (1 + int(86_000)),
      timestamp,
    };
    const other = TronWeb.address.fromHex('41' + bytes(20));
    const kind = kinds[i % kinds.length];
    let tx; let input;
    if (kind === 'transfer') {
      const amount = 1 + int(1_000_000_000_000);
      tx = await tronWeb.transactionBuilder.sendTrx(other, amount, owner, { blockHeader });
      input = { to: other, amount };
    } else if (kind === 'trigger') {
      const data = bytes(4 + 32 * int(6));
      const feeLimit = 1 + int(15_000_000_000);
      tx = (await tronWeb.transactionBuilder.triggerSmartContract(other, '', { txLocal: true, feeLimit, blockHeader, input: data }, [], owner)).transaction;
      input = { contract: other, data, feeLimit };
    } else {
      const to = TronWeb.address.fromHex('41' + bytes(20));
      const amount = BigInt('0x' + bytes(1 + int(31))).toString();
      const opId = '0x' + bytes(32);
      const feeLimit = 1 + int(15_000_000_000);
      tx = (await tronWeb.transactionBuilder.triggerSmartContract(other, 'mint(address,uint256,bytes32)', { txLocal: true, feeLimit, blockHeader },
        [{ type: 'address', value: to }, { type: 'uint256', value: amount }, { type: 'bytes32', value: opId }], owner)).transaction;
      input = { contract: other, feeLimit, mint: { to, amount, opId } };
    }
    const signed = await tronWeb.trx.sign(tx, privateKey);
    vectors.push({ kind, privateKey, owner, blockHeader, input, txID: signed.txID, rawDataHex: signed.raw_data_hex, signature: signed.signature[0] });
  }
  if (o.artifact) {
    const artifact = JSON.parse(fs.readFileSync(o.artifact, 'utf8'));
    const privateKey = key();
    const owner = TronWeb.address.fromPrivateKey(privateKey);
    const blockHeader = { ref_block_bytes: '1a2b', ref_block_hash: bytes(8), expiration: 1_760_000_060_000, timestamp: 1_760_000_000_000 };
    const admin = TronWeb.address.fromHex('41' + bytes(20));
    const tx = await tronWeb.transactionBuilder.createSmartContract({
      abi: artifact.abi, bytecode: artifact.bytecode.replace(/^0x/, ''), feeLimit: 5_000_000_000, name: 'SharemintToken', userFeePercentage: 100,
      originEnergyLimit: 10_000_000, parameters: ['Tesla xStock', 'TSLAx', admin, '1000000000000000000'], blockHeader,
    }, owner);
    const signed = await tronWeb.trx.sign(tx, privateKey);
    const constructorArguments = utils.abi.encodeParams(['string', 'string', 'address', 'uint256'], ['Tesla xStock', 'TSLAx', admin, '1000000000000000000']);
    vectors.push({
      kind: 'create', privateKey, owner, blockHeader, input: { name: 'SharemintToken', feeLimit: 5_000_000_000, admin, constructorArguments: constructorArguments.replace(/^0x/, '') },
      txID: signed.txID, rawDataHex: signed.raw_data_hex, signature: signed.signature[0],
    });
  }
  console.log(JSON.stringify(vectors));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
