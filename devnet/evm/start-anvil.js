#!/usr/bin/env node
// Starts anvil (from @foundry-rs/anvil-linux-amd64) on a loopback port with a given chain id and stays in the
// foreground until stopped. Two instances with different chain ids stand for two EVM chains.
//
//   node devnet/evm/start-anvil.js --port 8545 --chain-id 31337
//   node devnet/evm/start-anvil.js --port 8546 --chain-id 31338 --block-time 2
//   node devnet/evm/start-anvil.js --port 8545 --chain-id 31337 --state .dev/ethereum.state.json
//
// With --state FILE, anvil loads the chain from FILE when it exists and writes it back every --state-interval seconds
// (default 2) and when stopped with SIGINT or SIGTERM, so a local chain survives a restart.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const options = { port: 8545, chainId: 31337, blockTime: null, state: null, stateInterval: 2 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--port': options.port = Number(value); i++; break;
      case '--chain-id': options.chainId = Number(value); i++; break;
      case '--block-time': options.blockTime = Number(value); i++; break;
      case '--state': options.state = path.resolve(value); i++; break;
      case '--state-interval': options.stateInterval = Number(value); i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) throw new Error('--port must be 1..65535');
  if (!Number.isInteger(options.chainId) || options.chainId <= 0) throw new Error('--chain-id must be a positive integer');
  return options;
}

const anvilPath = path.resolve(__dirname, '..', 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil');
if (!fs.existsSync(anvilPath)) {
  console.error(`anvil not found at ${anvilPath}: run "npm ci" in devnet/`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
const args = ['--host', '127.0.0.1', '--port', String(options.port), '--chain-id', String(options.chainId)];
if (options.blockTime) args.push('--block-time', String(options.blockTime));
if (options.state) args.push('--state', options.state, '--state-interval', String(options.stateInterval));

const child = spawn(anvilPath, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
