#!/usr/bin/env node
// A holder's wallet for the signer tests, TronWeb unchanged: reads a TRC-20's totalSupply and balances, or sends a
// TRC-20 transfer from the holder's key and waits until it is in a block. Prints one JSON object.
//
//   node devnet/tron/check/tronweb-holder.js read --node <url> --artifact <json> --token <base58> [--accounts a,b]
//   node devnet/tron/check/tronweb-holder.js transfer --node <url> --artifact <json> --token <base58> --key <hex> --to <base58> --amount <raw>
'use strict';
const fs = require('fs');
const { TronWeb } = require('tronweb');

function args(argv) {
  const o = { mode: argv[0] };
  for (let i = 1; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!o.node || !o.artifact || !o.token) throw new Error('--node, --artifact and --token are required');
  return o;
}

async function main() {
  const o = args(process.argv.slice(2));
  const abi = JSON.parse(fs.readFileSync(o.artifact, 'utf8')).abi;
  if (o.mode === 'read') {
    // Constant calls need an owner address; any valid one will do for reads.
    const tronWeb = new TronWeb({ fullHost: o.node });
    tronWeb.setAddress(o.token);
    const token = tronWeb.contract(abi, o.token);
    const balances = {};
    for (const account of (o.accounts || '').split(',').filter(Boolean)) {
      balances[account] = (await token.balanceOf(account).call()).toString();
    }
    console.log(JSON.stringify({ totalSupply: (await token.totalSupply().call()).toString(), balances }));
    return;
  }
  if (o.mode === 'transfer') {
    const tronWeb = new TronWeb({ fullHost: o.node, privateKey: o.key });
    const token = tronWeb.contract(abi, o.token);
    const txid = await token.transfer(o.to, o.amount).send({ feeLimit: 100_000_000 });
    for (let i = 0; i < 300; i++) {
      const info = await tronWeb.trx.getUnconfirmedTransactionInfo(txid);
      if (info && info.id) {
        if (info.receipt && info.receipt.result && info.receipt.result !== 'SUCCESS') throw new Error(`${txid} failed: ${JSON.stringify(info)}`);
        console.log(JSON.stringify({ txid, block: info.blockNumber }));
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${txid} not in a block after 30 s`);
  }
  throw new Error(`unknown mode '${o.mode}' (read or transfer)`);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
