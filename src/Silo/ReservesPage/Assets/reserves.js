// The public reserves page: fetches the published attestation key, the catalogue and each asset's latest attestation,
// verifies every attestation's Ed25519 signature here with WebCrypto, and shows the figures of the signed payload.
'use strict';

const $ = (selector, root = document) => root.querySelector(selector);

// Amounts are decimals; JavaScript numbers would round them. The reviver keeps each number's exact source text.
function parseExact(json) {
  return JSON.parse(json, (key, value, context) =>
    typeof value === 'number' ? (context && context.source !== undefined ? context.source : String(value)) : value);
}

function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// "1234567.5" -> "1,234,567.5", exactly (no floating point).
function grouped(decimal) {
  const text = String(decimal);
  const negative = text.startsWith('-');
  const [whole, fraction] = (negative ? text.slice(1) : text).split('.');
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + withCommas + (fraction ? '.' + fraction : '');
}

// Token amounts in the signed payload are integer canonical units (8 decimals): "150000000" -> "1.5", exactly.
const CANONICAL_DECIMALS = 8;
function tokens(units) {
  const text = String(units);
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).padStart(CANONICAL_DECIMALS + 1, '0');
  const whole = digits.slice(0, -CANONICAL_DECIMALS);
  const fraction = digits.slice(-CANONICAL_DECIMALS).replace(/0+$/, '');
  return (negative ? '-' : '') + whole + (fraction ? '.' + fraction : '');
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/** Verifies one attestation; resolves to { valid, reason, payload }. */
async function verify(attestation, symbol, publishedKey) {
  let payload = null;
  try {
    payload = parseExact(attestation.payload);
  } catch {
    return { valid: false, reason: 'the signed payload is not JSON', payload };
  }
  if (String(attestation.algorithm).toLowerCase() !== 'ed25519') {
    return { valid: false, reason: `unsupported algorithm ${attestation.algorithm}`, payload };
  }
  if (attestation.publicKey !== publishedKey) {
    return { valid: false, reason: 'signed by a key other than the published one', payload };
  }
  let ok;
  try {
    const key = await crypto.subtle.importKey('raw', base64Bytes(publishedKey), { name: 'Ed25519' }, false, ['verify']);
    ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, base64Bytes(attestation.signature),
      new TextEncoder().encode(attestation.payload));
  } catch (error) {
    return { valid: false, reason: `cannot verify here: ${error.message || error}`, payload };
  }
  if (!ok) return { valid: false, reason: 'the signature does not match the attested figures', payload };
  if (payload.symbol !== symbol) return { valid: false, reason: `the signed payload is for ${payload.symbol}`, payload };
  return { valid: true, reason: 'Signature valid', payload };
}

function setField(root, name, text, value, units) {
  const element = $(`[data-field="${name}"]`, root);
  element.textContent = text;
  if (value !== undefined) element.dataset.value = value;
  if (units !== undefined) element.dataset.units = units;
}

// A token amount: shown and exposed (data-value) in tokens, with the signed integer units beside it (data-units).
function setTokens(root, name, units) {
  setField(root, name, grouped(tokens(units)), tokens(units), units);
}

function explorerLink(config, chain, address) {
  const template = config.chains.find(c => c.chain === chain)?.explorer;
  if (!template) {
    const code = document.createElement('code');
    code.textContent = address;
    return code;
  }
  const link = document.createElement('a');
  link.href = template.replace('{address}', encodeURIComponent(address));
  link.textContent = address;
  link.rel = 'noopener';
  link.dataset.field = 'explorer';
  return link;
}

function cell(row, label, content, field, value) {
  const td = document.createElement('td');
  td.dataset.label = label;
  const span = typeof content === 'string' ? Object.assign(document.createElement('span'), { textContent: content }) : content;
  if (field) td.dataset.field = field;
  if (value !== undefined) td.dataset.value = value;
  td.append(span);
  row.append(td);
  return td;
}

async function renderAsset(config, asset) {
  const section = $('#asset-template').content.firstElementChild.cloneNode(true);
  section.dataset.symbol = asset.symbol;
  setField(section, 'symbol', asset.symbol);
  setField(section, 'name', `${asset.name} · ${asset.underlyingTicker}`);
  $('#assets').append(section);

  const raw = await getJson(`/v1/reserves/${encodeURIComponent(asset.symbol)}`);
  const badge = $('[data-field="verification"]', section);
  if (raw === null) {
    badge.dataset.valid = 'none';
    badge.textContent = 'No attestation yet';
    $('.figures', section).remove();
    $('.chains', section).remove();
    return;
  }
  const attestation = JSON.parse(raw);
  const result = await verify(attestation, asset.symbol, config.attestationPublicKey);
  badge.dataset.valid = String(result.valid);
  badge.dataset.reason = result.reason;
  badge.textContent = result.valid ? '✓ Signature valid' : `✗ Invalid: ${result.reason}`;
  const p = result.payload;
  if (!p) return;
  setTokens(section, 'issued', p.issued);
  setTokens(section, 'onChainTotal', p.onChainTotal);
  setTokens(section, 'inTransit', p.inTransit);
  setField(section, 'multiplier', p.multiplier, p.multiplier);
  setField(section, 'requiredShares', grouped(p.requiredShares), p.requiredShares);
  setField(section, 'custody', grouped(p.brokerShares), p.brokerShares);
  setField(section, 'backingRatio', `${p.backingRatio}×`, p.backingRatio);
  const at = new Date(p.at);
  setField(section, 'attestedAt', `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC (#${p.sequence})`, p.at);

  const body = $('tbody', section);
  for (const d of p.deployments) {
    const row = document.createElement('tr');
    row.dataset.chain = d.chain;
    cell(row, 'Chain', d.chain);
    cell(row, 'Supply on chain', grouped(tokens(d.onChainSupply)), 'onChainSupply', tokens(d.onChainSupply)).dataset.units = d.onChainSupply;
    cell(row, 'Ledger', grouped(tokens(d.ledgerSupply)), 'ledgerSupply', tokens(d.ledgerSupply)).dataset.units = d.ledgerSupply;
    const drift = cell(row, 'Drift (units)', String(d.driftUnits), 'driftUnits', d.driftUnits);
    if (String(d.driftUnits) !== '0') drift.classList.add('drift-nonzero');
    cell(row, 'Token', explorerLink(config, d.chain, d.tokenAddress), 'token', d.tokenAddress);
    body.append(row);
  }
}

async function main() {
  const status = $('#status');
  try {
    const config = JSON.parse(await getJson('/reserves/config.json'));
    $('#published-key').textContent = config.attestationPublicKey;
    const assets = JSON.parse(await getJson('/v1/assets'));
    for (const asset of assets) {
      await renderAsset(config, asset);
    }
    const invalid = document.querySelectorAll('[data-field="verification"][data-valid="false"]').length;
    status.textContent = invalid === 0
      ? `${assets.length} assets; every attestation shown was verified in this browser.`
      : `${invalid} attestation(s) did NOT verify: do not rely on their figures.`;
    status.dataset.state = 'ready';
  } catch (error) {
    status.textContent = `Could not load the reserves: ${error.message || error}`;
    status.dataset.state = 'error';
  }
}

main();
