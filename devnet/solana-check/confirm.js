#!/usr/bin/env node
'use strict';
// Wallet-style flow with @solana/web3.js and @solana/spl-token, unchanged, against a Solana RPC URL (the websocket is
// the RPC port + 1, as web3.js assumes): airdrop, sendAndConfirmTransaction of a SOL transfer, createMint, ATAs,
// mintTo, transferChecked, then jsonParsed reads, getProgramAccounts filters and the subscriptions seen meanwhile.
// Prints one JSON object on stdout.
//   node devnet/solana-check/confirm.js <rpc-url>
const web3 = require('@solana/web3.js');
const spl = require('@solana/spl-token');

async function main() {
  const [url] = process.argv.slice(2);
  if (!url) throw new Error('usage: confirm.js <rpc-url>');
  const connection = new web3.Connection(url, 'confirmed');
  const payer = web3.Keypair.generate();
  const other = web3.Keypair.generate();
  const airdrop = await connection.requestAirdrop(payer.publicKey, 10 * web3.LAMPORTS_PER_SOL);
  const latest = await connection.getLatestBlockhash();
  await connection.confirmTransaction({ signature: airdrop, ...latest }, 'confirmed');

  const transfer = new web3.Transaction().add(web3.SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: other.publicKey, lamports: 5_000_000 }));
  const transferSig = await web3.sendAndConfirmTransaction(connection, transfer, [payer], { commitment: 'confirmed' });
  const otherLamports = await connection.getBalance(other.publicKey, 'confirmed');

  const mint = await spl.createMint(connection, payer, payer.publicKey, null, 6, undefined, { commitment: 'confirmed' });
  const source = await spl.getOrCreateAssociatedTokenAccount(connection, payer, mint, payer.publicKey, false, 'confirmed', { commitment: 'confirmed' });
  const dest = await spl.getOrCreateAssociatedTokenAccount(connection, payer, mint, other.publicKey, false, 'confirmed', { commitment: 'confirmed' });
  await spl.mintTo(connection, payer, mint, source.address, payer, 5_000_000n, [], { commitment: 'confirmed' });

  const seen = { slots: 0, accountChanges: 0, logs: [] };
  const slotSub = connection.onSlotChange(() => { seen.slots++; });
  const accountSub = connection.onAccountChange(dest.address, () => { seen.accountChanges++; }, { commitment: 'confirmed' });
  const logsSub = connection.onLogs(mint, (l) => { seen.logs.push(l.signature); }, 'confirmed');
  await new Promise((r) => setTimeout(r, 500)); // let the subscriptions register before the transfer

  const checkedSig = await spl.transferChecked(connection, payer, source.address, mint, dest.address, payer, 1_250_000n, 6, [], { commitment: 'confirmed' });
  const deadline = Date.now() + 10_000;
  while ((seen.accountChanges === 0 || !seen.logs.includes(checkedSig)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await connection.removeSlotChangeListener(slotSub);
  await connection.removeAccountChangeListener(accountSub);
  await connection.removeOnLogsListener(logsSub);

  const parsed = await connection.getParsedTokenAccountsByOwner(other.publicKey, { mint }, 'confirmed');
  const parsedMint = await connection.getParsedAccountInfo(mint, 'confirmed');
  const byOwner = await connection.getProgramAccounts(spl.TOKEN_PROGRAM_ID, {
    commitment: 'confirmed',
    filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: other.publicKey.toBase58() } }],
  });
  const byMint = await connection.getParsedProgramAccounts(spl.TOKEN_PROGRAM_ID, {
    commitment: 'confirmed',
    filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: mint.toBase58() } }],
  });
  console.log(JSON.stringify({
    transferSig, otherLamports, checkedSig, mint: mint.toBase58(), dest: dest.address.toBase58(), owner: other.publicKey.toBase58(),
    parsed: parsed.value.map((a) => ({ pubkey: a.pubkey.toBase58(), data: a.account.data, owner: a.account.owner.toBase58() })),
    parsedMint: parsedMint.value.data,
    programAccountsByOwner: byOwner.map((a) => a.pubkey.toBase58()),
    programAccountsByMint: byMint.map((a) => ({ pubkey: a.pubkey.toBase58(), amount: a.account.data.parsed.info.tokenAmount.amount })),
    seen,
  }));
  process.exit(0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
