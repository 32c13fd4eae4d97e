#!/usr/bin/env node
'use strict';
// Independent holder count: @solana/web3.js lists the mint's Token-2022 accounts and @solana/spl-token decodes each
// (not our C# client). Prints {"holders": n, "accounts": [{address, owner, amount}]} for accounts with a non-zero balance.
//   node devnet/solana-check/holders.js <rpc-url> <mint>
const web3 = require('@solana/web3.js');
const spl = require('@solana/spl-token');

async function main() {
  const [url, mintArg] = process.argv.slice(2);
  if (!url || !mintArg) throw new Error('usage: holders.js <rpc-url> <mint>');
  const connection = new web3.Connection(url, 'finalized');
  const mint = new web3.PublicKey(mintArg);
  const listed = await connection.getProgramAccounts(spl.TOKEN_2022_PROGRAM_ID, {
    commitment: 'finalized',
    filters: [{ memcmp: { offset: 0, bytes: mint.toBase58() } }],
  });
  const accounts = [];
  for (const { pubkey, account } of listed) {
    let decoded;
    try {
      decoded = spl.unpackAccount(pubkey, account, spl.TOKEN_2022_PROGRAM_ID);
    } catch (e) {
      // Not a token account (the mint itself matches no account layout): skip it, say why on stderr.
      console.error(`${pubkey.toBase58()}: ${e.name}`);
      continue;
    }
    if (decoded.mint.equals(mint) && decoded.amount > 0n) {
      accounts.push({ address: pubkey.toBase58(), owner: decoded.owner.toBase58(), amount: decoded.amount.toString() });
    }
  }
  console.log(JSON.stringify({ holders: accounts.length, accounts }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
