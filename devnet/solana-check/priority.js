#!/usr/bin/env node
'use strict';
// Independent reader of a transaction's compute budget: uses @solana/web3.js (not our C# client) to fetch a landed
// transaction, decode its ComputeBudget instructions and its fee, and the node's recent prioritization fees for an
// account; prints one JSON object on stdout.
//   node devnet/solana-check/priority.js <rpc-url> <signature> <writable-account>
const web3 = require('@solana/web3.js');

async function main() {
  const [url, signature, account] = process.argv.slice(2);
  if (!url || !signature || !account) throw new Error('usage: priority.js <rpc-url> <signature> <writable-account>');
  const connection = new web3.Connection(url, 'confirmed');
  const tx = await connection.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  if (!tx) throw new Error(`transaction ${signature} not found`);
  const message = web3.TransactionMessage.decompile(tx.transaction.message);
  let unitLimit = null;
  let unitPrice = null;
  let budgetInstructions = 0;
  for (const ix of message.instructions) {
    if (!ix.programId.equals(web3.ComputeBudgetProgram.programId)) continue;
    budgetInstructions += 1;
    const type = web3.ComputeBudgetInstruction.decodeInstructionType(ix);
    if (type === 'SetComputeUnitLimit') unitLimit = web3.ComputeBudgetInstruction.decodeSetComputeUnitLimit(ix).units;
    if (type === 'SetComputeUnitPrice') unitPrice = web3.ComputeBudgetInstruction.decodeSetComputeUnitPrice(ix).microLamports.toString();
  }
  const recent = await connection.getRecentPrioritizationFees({ lockedWritableAccounts: [new web3.PublicKey(account)] });
  const out = {
    unitLimit,
    unitPrice,
    budgetInstructions,
    instructions: message.instructions.length,
    fee: tx.meta.fee,
    signatures: tx.transaction.signatures.length,
    recentMax: Math.max(0, ...recent.map((r) => r.prioritizationFee)),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
