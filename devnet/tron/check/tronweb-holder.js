#!/usr/bin/env node
// A holder's wallet for the signer tests, TronWeb unchanged: reads a TRC-20's totalSupply and balances or its multiplier, or sends a
// TRC-20 transfer from the holder's key and waits until it is in a block. Prints one JSON object.
//
//   node devnet/tron/check/tronweb-holder.js read --node <url> --artifact <json> --token <base58> [--accounts a,b]
//   node devnet/tron/check/tronweb-holder.js holders --node <url> --artifact <json> --token <base58>
//   node devnet/tron/check/tronweb-holder.js roles --node <url> --artifact <json> --token <base58> --accounts a,b
//   node devnet/tron/check/tronweb-holder.js minted --node <url> --artifact <json> --token <base58>
//   node devnet/tron/check/tronweb-holder.js multiplier --node <url> --artifact <json> --token <base58>
//   node devnet/tron/check/tronweb-holder.js transfer --node <url> --artifact <json> --token <base58> --key <hex> --to <base58> --amount <raw>
//   node devnet/tron/check/tronweb-holder.js deployments --node <url> --artifact <json> --txids a,b
//     (for each deployment transaction: its block, the contract it created, and that contract's name and symbol)
'use strict';
const fs = require('fs');
const { TronWeb } = require('tronweb');

function args(argv) {
  const o = { mode: argv[0] };
  for (let i = 1; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!o.node || !o.artifact) throw new Error('--node and --artifact are required');
  if (o.mode === 'deployments' ? !o.txids : !o.token) throw new Error(o.mode === 'deployments' ? '--txids is required' : '--token is required');
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
  if (o.mode === 'multiplier') {
    // ERC-8056's views, which the TRC-20 shares with the EVM token: the multiplier in force, the pending one and its time.
    const tronWeb = new TronWeb({ fullHost: o.node });
    tronWeb.setAddress(o.token);
    const token = tronWeb.contract(abi, o.token);
    console.log(JSON.stringify({
      uiMultiplier: (await token.uiMultiplier().call()).toString(),
      newUIMultiplier: (await token.newUIMultiplier().call()).toString(),
      effectiveAt: (await token.effectiveAt().call()).toString(),
    }));
    return;
  }
  if (o.mode === 'roles') {
    // AccessControl as a wallet or an explorer reads it: each role id from its public constant, then hasRole per account.
    const tronWeb = new TronWeb({ fullHost: o.node });
    tronWeb.setAddress(o.token);
    const token = tronWeb.contract(abi, o.token);
    const names = ['DEFAULT_ADMIN_ROLE', 'MINTER_ROLE', 'BURNER_ROLE', 'PAUSER_ROLE', 'MULTIPLIER_UPDATER_ROLE', 'BLOCKLIST_ADMIN_ROLE'];
    const roles = {};
    for (const name of names) roles[name] = await token[name]().call();
    const accounts = {};
    for (const account of (o.accounts || '').split(',').filter(Boolean)) {
      accounts[account] = {};
      for (const name of names) accounts[account][name] = Boolean(await token.hasRole(roles[name], account).call());
    }
    console.log(JSON.stringify({ accounts }));
    return;
  }
  if (o.mode === 'minted') {
    // The token's Minted events from TronWeb's event API (confirmed blocks): operation id, recipient, amount, transaction.
    const tronWeb = new TronWeb({ fullHost: o.node });
    const events = await tronWeb.event.getEventsByContractAddress(o.token, { eventName: 'Minted', onlyConfirmed: true, limit: 200, orderBy: 'block_timestamp,asc' });
    const list = Array.isArray(events) ? events : events.data || [];
    if (list.length >= 200) throw new Error('more than one page of Minted events: this check reads one');
    const minted = list.map((e) => ({
      transaction: e.transaction_id,
      opId: '0x' + String(e.result.opId).replace(/^0x/, '').toLowerCase(),
      to: tronWeb.address.fromHex('41' + String(e.result.to).replace(/^0x/, '').replace(/^41/, '').padStart(40, '0').slice(-40)),
      amount: String(e.result.amount),
    }));
    console.log(JSON.stringify({ minted }));
    return;
  }
  if (o.mode === 'deployments') {
    // From the final transaction info alone (TronWeb's solidity-node read), not from anything our signer recorded.
    const tronWeb = new TronWeb({ fullHost: o.node });
    const deployments = [];
    for (const txid of o.txids.split(',').filter(Boolean)) {
      const info = await tronWeb.trx.getTransactionInfo(txid);
      if (!info || !info.id || !info.contract_address) throw new Error(`${txid} created no contract: ${JSON.stringify(info)}`);
      const address = tronWeb.address.fromHex(info.contract_address);
      tronWeb.setAddress(address);
      const token = tronWeb.contract(abi, address);
      deployments.push({ txid, block: info.blockNumber, address, name: await token.name().call(), symbol: await token.symbol().call() });
    }
    console.log(JSON.stringify({ deployments }));
    return;
  }
  if (o.mode === 'holders') {
    // Holders from TronWeb's event API (Transfer events, confirmed blocks) and balanceOf for every address they name.
    const tronWeb = new TronWeb({ fullHost: o.node });
    tronWeb.setAddress(o.token);
    const token = tronWeb.contract(abi, o.token);
    const events = await tronWeb.event.getEventsByContractAddress(o.token, { eventName: 'Transfer', onlyConfirmed: true, limit: 200, orderBy: 'block_timestamp,asc' });
    const list = Array.isArray(events) ? events : events.data || [];
    if (list.length >= 200) throw new Error('more than one page of Transfer events: this check reads one');
    const zero = '410000000000000000000000000000000000000000';
    const addresses = new Set();
    for (const e of list) {
      for (const side of [e.result.from, e.result.to]) {
        const hex = '41' + String(side).replace(/^0x/, '').replace(/^41/, '').padStart(40, '0').slice(-40);
        if (hex !== zero) addresses.add(tronWeb.address.fromHex(hex));
      }
    }
    const holders = [];
    for (const a of addresses) {
      const balance = (await token.balanceOf(a).call()).toString();
      if (balance !== '0') holders.push({ address: a, balance });
    }
    console.log(JSON.stringify({ holders: holders.length, accounts: holders, events: list.length }));
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
  throw new Error(`unknown mode '${o.mode}' (read, roles, minted, holders, multiplier, transfer or deployments)`);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
