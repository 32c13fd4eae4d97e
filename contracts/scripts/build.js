// Compiles src/*.sol with the pinned solc-js into out/<Contract>.json ({ contractName, abi, bytecode, deployedBytecode, compiler }).
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'out');

const sources = {};
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`src/${file}`] = { content: fs.readFileSync(path.join(srcDir, file), 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};

function findImports(importPath) {
  const candidates = [path.join(root, 'node_modules', importPath), path.join(root, importPath)];
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const diagnostic of output.errors || []) console.error(diagnostic.formattedMessage);
if (errors.length > 0) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  if (!sourceName.startsWith('src/')) continue;
  for (const [contractName, artifact] of Object.entries(contracts)) {
    const file = path.join(outDir, `${contractName}.json`);
    const json = {
      contractName,
      compiler: `solc-js ${solc.version()}`,
      abi: artifact.abi,
      bytecode: '0x' + artifact.evm.bytecode.object,
      deployedBytecode: '0x' + artifact.evm.deployedBytecode.object,
    };
    fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
    console.log(`wrote ${path.relative(root, file)} (${artifact.evm.bytecode.object.length / 2} bytes)`);
  }
}
