#!/usr/bin/env node
'use strict';
// Independent sender: uses @solana/web3.js and @solana/spl-token (not our C# client) to send tokens to a recipient's
// associated token account in a v0 transaction whose recipient account and mint come from an address lookup table, then
// reads the transaction back as a standard client does and prints one JSON object on stdout.
//   node devnet/solana-check/lookup-deposit.js <rpc-url> <holder-secret-base58> <mint> <recipient-wallet> <raw-amount>
const web3 = require('@solana/web3.js');
const spl = require('@solana/spl-token');
const bs58 = require('bs58');

async function untilSlotAfter(connection, slot) {
  const deadline = Date.now() + 30_000;
  while ((await connection.getSlot('confirmed')) <= slot) {
    if (Date.now() > deadline) throw new Error(`slot never passed ${slot}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sendV0(connection, payer, instructions, tables = []) {
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed');
  const message = new web3.TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash, instructions })
    .compileToV0Message(tables);
  const tx = new web3.VersionedTransaction(message);
  tx.sign([payer]);
  const signature = await connection.sendTransaction(tx);
  const outcome = await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, 'confirmed');
  if (outcome.value.err) throw new Error(`transaction ${signature} failed: ${JSON.stringify(outcome.value.err)}`);
  return { signature, message };
}

async function main() {
  const [url, secret, mintArg, recipientArg, amountArg] = process.argv.slice(2);
  if (!url || !secret || !mintArg || !recipientArg || !amountArg) {
    throw new Error('usage: lookup-deposit.js <rpc-url> <holder-secret-base58> <mint> <recipient-wallet> <raw-amount>');
  }
  const connection = new web3.Connection(url, 'confirmed');
  const holder = web3.Keypair.fromSecretKey(bs58.decode(secret));
  const mint = new web3.PublicKey(mintArg);
  const program = spl.TOKEN_2022_PROGRAM_ID;
  const source = spl.getAssociatedTokenAddressSync(mint, holder.publicKey, false, program);
  const destination = spl.getAssociatedTokenAddressSync(mint, new web3.PublicKey(recipientArg), false, program);

  // The table: created against a recent slot, extended with the recipient's token account and the mint.
  const recentSlot = await connection.getSlot('finalized');
  const [create, table] = web3.AddressLookupTableProgram.createLookupTable({
    authority: holder.publicKey, payer: holder.publicKey, recentSlot,
  });
  const extend = web3.AddressLookupTableProgram.extendLookupTable({
    lookupTable: table, authority: holder.publicKey, payer: holder.publicKey, addresses: [destination, mint],
  });
  // The recipient's token account is created (idempotently) as a wallet would before its first transfer.
  const account = spl.createAssociatedTokenAccountIdempotentInstruction(holder.publicKey, destination,
    new web3.PublicKey(recipientArg), mint, program);
  await sendV0(connection, holder, [create, extend, account]);
  // Addresses appended in a slot are usable from the next one.
  await untilSlotAfter(connection, await connection.getSlot('confirmed'));
  const lookup = (await connection.getAddressLookupTable(table, { commitment: 'confirmed' })).value;
  if (!lookup || lookup.state.addresses.length !== 2) throw new Error('the lookup table was not readable with its two addresses');

  const transfer = spl.createTransferCheckedInstruction(source, mint, destination, holder.publicKey, BigInt(amountArg), 8, [], program);
  const { signature, message } = await sendV0(connection, holder, [transfer], [lookup]);
  const staticKeys = message.staticAccountKeys.map((k) => k.toBase58());
  if (staticKeys.includes(destination.toBase58())) throw new Error('the recipient account must come from the table for this check to mean anything');

  const tx = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' });
  if (!tx) throw new Error(`getTransaction returned nothing for ${signature}`);
  const keys = tx.transaction.message.getAccountKeys({ accountKeysFromLookups: tx.meta.loadedAddresses });
  const all = [];
  for (let i = 0; i < keys.length; i++) all.push(keys.get(i).toBase58());
  process.stdout.write(`${JSON.stringify({
    signature,
    table: table.toBase58(),
    version: tx.version,
    staticKeys,
    loadedWritable: tx.meta.loadedAddresses.writable.map((k) => k.toBase58()),
    loadedReadonly: tx.meta.loadedAddresses.readonly.map((k) => k.toBase58()),
    accountKeys: all,
    destination: destination.toBase58(),
    postTokenBalances: tx.meta.postTokenBalances.map((b) => ({ accountIndex: b.accountIndex, owner: b.owner, amount: b.uiTokenAmount.amount })),
  })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
