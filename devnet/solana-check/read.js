#!/usr/bin/env node
'use strict';
// Independent reader: uses @solana/web3.js and @solana/spl-token (not our C# client) to read an
// xStock mint and some holders' balances, and prints one JSON object on stdout.
//   node devnet/solana-check/read.js <rpc-url> <mint> [wallet ...]
const web3 = require('@solana/web3.js');
const spl = require('@solana/spl-token');

async function main() {
  const [url, mintArg, ...wallets] = process.argv.slice(2);
  if (!url || !mintArg) throw new Error('usage: read.js <rpc-url> <mint> [wallet ...]');
  const connection = new web3.Connection(url, 'confirmed');
  const mintKey = new web3.PublicKey(mintArg);
  const mint = await spl.getMint(connection, mintKey, 'confirmed', spl.TOKEN_2022_PROGRAM_ID);
  const scaled = spl.getScaledUiAmountConfig(mint);
  const pausable = spl.getPausableConfig(mint);
  const pointer = spl.getMetadataPointerState(mint);
  const delegate = spl.getPermanentDelegate(mint);
  const metadata = await spl.getTokenMetadata(connection, mintKey, 'confirmed', spl.TOKEN_2022_PROGRAM_ID);
  const supplyRpc = await connection.getTokenSupply(mintKey, 'confirmed');
  const balances = {};
  for (const w of wallets) {
    const ata = spl.getAssociatedTokenAddressSync(mintKey, new web3.PublicKey(w), false, spl.TOKEN_2022_PROGRAM_ID);
    const account = await spl.getAccount(connection, ata, 'confirmed', spl.TOKEN_2022_PROGRAM_ID);
    balances[w] = { ata: ata.toBase58(), amount: account.amount.toString(), frozen: account.isFrozen };
  }
  const out = {
    supply: mint.supply.toString(),
    decimals: mint.decimals,
    mintAuthority: mint.mintAuthority && mint.mintAuthority.toBase58(),
    freezeAuthority: mint.freezeAuthority && mint.freezeAuthority.toBase58(),
    multiplier: scaled ? scaled.multiplier : null,
    newMultiplier: scaled ? scaled.newMultiplier : null,
    newMultiplierEffectiveTimestamp: scaled ? scaled.newMultiplierEffectiveTimestamp.toString() : null,
    paused: pausable ? pausable.paused : null,
    metadataAddress: pointer && pointer.metadataAddress ? pointer.metadataAddress.toBase58() : null,
    permanentDelegate: delegate ? delegate.delegate.toBase58() : null,
    name: metadata ? metadata.name : null,
    symbol: metadata ? metadata.symbol : null,
    rpcSupplyAmount: supplyRpc.value.amount,
    rpcSupplyUi: supplyRpc.value.uiAmountString,
    balances,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
