#!/usr/bin/env node
// Drives a Tron node with TronWeb, unchanged, as a holder's wallet would: funds a fresh account with TRX, deploys the
// SharemintToken (CreateSmartContract built and signed by TronWeb), mints to the holder, reads balanceOf/totalSupply,
// and sends a TRC-20 transfer from the holder to a redemption address. Prints one JSON object with what it saw.
//
//   node devnet/tron/check/tronweb-check.js --node http://127.0.0.1:18090 --artifact contracts/out/SharemintToken.json
//        --redemption <base58> [--token <base58>] [--holder-key <hex>]
'use strict';
const fs = require('fs');
const { TronWeb } = require('tronweb');

const GENESIS_KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

function args(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!o.node || !o.artifact || !o.redemption) throw new Error('--node, --artifact and --redemption are required');
  return o;
}

async function confirmed(tronWeb, txid) {
  for (let i = 0; i < 300; i++) {
    const info = await tronWeb.trx.getUnconfirmedTransactionInfo(txid);
    if (info && info.id) {
      if (info.receipt && info.receipt.result && info.receipt.result !== 'SUCCESS') throw new Error(`${txid} failed: ${JSON.stringify(info)}`);
      return info;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${txid} not confirmed in 30 s`);
}

async function main() {
  const o = args(process.argv.slice(2));
  const artifact = JSON.parse(fs.readFileSync(o.artifact, 'utf8'));
  const issuer = new TronWeb({ fullHost: o.node, privateKey: GENESIS_KEY });
  const holderKey = o['holder-key'] || require('tronweb').utils.accounts.generateAccount().privateKey.replace(/^0x/, '');
  const holder = new TronWeb({ fullHost: o.node, privateKey: holderKey });
  const holderAddress = holder.defaultAddress.base58;

  // TransferContract, built by TronWeb from the node's reference block.
  const fund = await issuer.trx.sendTrx(holderAddress, 50_000_000);
  if (!fund.result) throw new Error(`sendTrx refused: ${JSON.stringify(fund)}`);
  await confirmed(issuer, fund.txid || fund.transaction.txID);

  let tokenAddress = o.token;
  if (!tokenAddress) {
    const deploy = await issuer.transactionBuilder.createSmartContract({
      abi: artifact.abi, bytecode: artifact.bytecode.replace(/^0x/, ''), feeLimit: 5_000_000_000, name: 'SharemintToken',
      parameters: ['Tesla xStock', 'TSLAx', issuer.defaultAddress.hex, '1000000000000000000'],
    }, issuer.defaultAddress.hex);
    const signed = await issuer.trx.sign(deploy);
    const sent = await issuer.trx.sendRawTransaction(signed);
    if (!sent.result) throw new Error(`deploy refused: ${JSON.stringify(sent)}`);
    const info = await confirmed(issuer, signed.txID);
    tokenAddress = TronWeb.address.fromHex(info.contract_address);
    const opId = '0x' + '11'.repeat(32);
    const token = issuer.contract(artifact.abi, tokenAddress);
    const mintTx = await token.mint(holderAddress, 1_000_000, opId).send({ feeLimit: 1_000_000_000 });
    await confirmed(issuer, mintTx);
  }

  const token = holder.contract(artifact.abi, tokenAddress);
  const before = (await token.balanceOf(holderAddress).call()).toString();
  const supply = (await token.totalSupply().call()).toString();
  const symbol = await token.symbol().call();
  const transferTx = await token.transfer(o.redemption, 250_000).send({ feeLimit: 100_000_000 });
  const transferInfo = await confirmed(holder, transferTx);
  const after = (await token.balanceOf(holderAddress).call()).toString();
  const redemption = (await token.balanceOf(o.redemption).call()).toString();
  const events = await holder.event.getEventsByContractAddress(tokenAddress, { eventName: 'Transfer', onlyConfirmed: true, limit: 50 });
  console.log(JSON.stringify({
    token: tokenAddress, holder: holderAddress, symbol, supply, before, after, redemption, transferTx,
    transferBlock: transferInfo.blockNumber, energy: transferInfo.receipt.energy_usage_total,
    transferEvents: (events.data || []).filter((e) => e.transaction_id === transferTx).length,
  }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
