#!/usr/bin/env bash
# Runs the platform locally: a private PostgreSQL, two EVM chains (anvil: "ethereum" and "base") and a Solana devnet
# (LiteSVM), the schema migrated, one silo with its HTTP API and the Orleans dashboard, the demo catalogue seeded and
# every asset deployed on all three chains. The local chains keep no state between runs, so every start begins clean.
# Ctrl-C stops everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

if [ "$(id -u)" -eq 0 ]; then default_dev_dir=/var/tmp/sharemint-dev; else default_dev_dir="$root/.dev"; fi
dev_dir="${SHAREMINT_DEV_DIR:-$default_dev_dir}"
pg_port="${SHAREMINT_PG_PORT:-55432}"
http_port="${SHAREMINT_HTTP_PORT:-8080}"
management_port="${SHAREMINT_MANAGEMENT_PORT:-9090}"
silo_port="${SHAREMINT_SILO_PORT:-11111}"
gateway_port="${SHAREMINT_GATEWAY_PORT:-30000}"
eth_port="${SHAREMINT_ETHEREUM_PORT:-8545}"
base_port="${SHAREMINT_BASE_PORT:-8546}"
solana_port="${SHAREMINT_SOLANA_PORT:-8899}"
# Development keys only: anvil's well-known accounts 0 (issuer) and 1 (the demo partner's wallet).
issuer_evm_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
partner_evm_key=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
partner_evm_wallet=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
admin_key_id=ok_dev_admin
admin_secret=sk_dev_admin_0123456789abcdef
partner_key_id=pk_dev_demo
partner_secret=sk_dev_demo_0123456789abcdef
connection="Host=127.0.0.1;Port=$pg_port;Username=sharemint;Database=sharemint;Timezone=UTC"

pg_ensure_installed
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }

echo "==> building"
dotnet build "$root/Platform.sln" -c Release -nologo -v q -clp:ErrorsOnly

[ -x "$root/devnet/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ] || { echo "devnet packages missing: run (cd devnet && npm install)" >&2; exit 1; }
[ -f "$root/contracts/out/SharemintToken.json" ] || { echo "contracts not built: run (cd contracts && npm ci && npm run build)" >&2; exit 1; }

# The chains start empty, so the ledger must too: a fresh database every run.
pg_stop "$dev_dir/pgdata" 2>/dev/null || true
rm -rf "$dev_dir/pgdata"
mkdir -p "$dev_dir"
echo "==> starting PostgreSQL in $dev_dir/pgdata on 127.0.0.1:$pg_port"
pg_start "$dev_dir/pgdata" "$pg_port"

silo_pid=""
chain_pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "==> stopping"
  if [ -n "$silo_pid" ] && kill -0 "$silo_pid" 2>/dev/null; then
    kill -TERM "$silo_pid" 2>/dev/null || true
    wait "$silo_pid" 2>/dev/null || true
  fi
  for pid in "${chain_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pg_stop "$dev_dir/pgdata"
  echo "stopped"
}
trap cleanup EXIT INT TERM

wait_for_rpc() { # url body
  for _ in $(seq 1 120); do
    if curl -fsS -H 'content-type: application/json' -d "$2" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  echo "no answer from $1" >&2
  exit 1
}

echo "==> starting the local chains: ethereum :$eth_port, base :$base_port (anvil), solana :$solana_port (LiteSVM)"
node "$root/devnet/evm/start-anvil.js" --port "$eth_port" --chain-id 31337 >"$dev_dir/ethereum.log" 2>&1 &
chain_pids+=($!)
node "$root/devnet/evm/start-anvil.js" --port "$base_port" --chain-id 8453 >"$dev_dir/base.log" 2>&1 &
chain_pids+=($!)
node "$root/devnet/solana/server.js" --port "$solana_port" --slot-ms 200 >"$dev_dir/solana.log" 2>&1 &
chain_pids+=($!)
wait_for_rpc "http://127.0.0.1:$eth_port" '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
wait_for_rpc "http://127.0.0.1:$base_port" '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
wait_for_rpc "http://127.0.0.1:$solana_port" '{"jsonrpc":"2.0","id":1,"method":"getBlockHeight","params":[]}'

# Solana keys for this run (the issuer's fee payer and the demo partner's wallet), made with the devnet's own web3.js.
read -r solana_issuer solana_partner solana_partner_secret < <(cd "$root/devnet" && node -e '
  const { Keypair } = require("@solana/web3.js"); const bs58 = require("bs58"); const enc = (bs58.default || bs58).encode;
  const issuer = Keypair.generate(), partner = Keypair.generate();
  console.log(enc(issuer.secretKey), partner.publicKey.toBase58(), enc(partner.secretKey));')
curl -fsS -H 'content-type: application/json' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"requestAirdrop\",\"params\":[\"$solana_partner\",10000000000]}" \
  "http://127.0.0.1:$solana_port" >/dev/null
[ -f "$dev_dir/api.key" ] || head -c32 /dev/urandom | base64 > "$dev_dir/api.key"
[ -f "$dev_dir/signing.key" ] || head -c32 /dev/urandom | base64 > "$dev_dir/signing.key"
[ -f "$dev_dir/quote.key" ] || head -c32 /dev/urandom | base64 > "$dev_dir/quote.key"

echo "==> migrating the schema"
dotnet "$root/src/Cli/bin/Release/net10.0/Sharemint.Cli.dll" db migrate --connection "$connection"

echo "==> starting the silo"
ConnectionStrings__Sharemint="$connection" \
Sharemint__SeedDemo=true \
Sharemint__DeployTokens=true \
Sharemint__SiloPort="$silo_port" \
Sharemint__Market__Hours=always \
Sharemint__Market__Prices__AAPL=232.10 Sharemint__Market__Prices__TSLA=251.25 Sharemint__Market__Prices__NVDA=181.40 \
Sharemint__Market__Prices__MSTR=330.00 Sharemint__Market__Prices__SPY=652.80 Sharemint__Market__Prices__QQQ=585.20 \
Sharemint__Market__Prices__GLD=335.60 Sharemint__Market__Prices__COIN=310.75 Sharemint__Market__Prices__HOOD=118.30 \
Sharemint__Market__Prices__META=760.40 \
Sharemint__Chains__ethereum__Family=evm Sharemint__Chains__ethereum__RpcUrl="http://127.0.0.1:$eth_port" \
Sharemint__Chains__ethereum__ChainId=31337 Sharemint__Chains__ethereum__PrivateKey="$issuer_evm_key" \
Sharemint__Chains__base__Family=evm Sharemint__Chains__base__RpcUrl="http://127.0.0.1:$base_port" \
Sharemint__Chains__base__ChainId=8453 Sharemint__Chains__base__PrivateKey="$issuer_evm_key" \
Sharemint__Chains__solana__Family=solana Sharemint__Chains__solana__RpcUrl="http://127.0.0.1:$solana_port" \
Sharemint__Chains__solana__Keypair="$solana_issuer" Sharemint__Chains__solana__AirdropLamports=100000000000 \
Sharemint__Demo__Wallets__ethereum="$partner_evm_wallet" Sharemint__Demo__Wallets__base="$partner_evm_wallet" \
Sharemint__Demo__Wallets__solana="$solana_partner" \
Sharemint__Signing__AttestationKey="$(cat "$dev_dir/signing.key")" Sharemint__Signing__QuoteKey="$(cat "$dev_dir/quote.key")" \
Sharemint__Api__SecretEncryptionKey="$(cat "$dev_dir/api.key")" \
Sharemint__Api__BootstrapAdminKeyId="$admin_key_id" Sharemint__Api__BootstrapAdminSecret="$admin_secret" \
Sharemint__Api__DemoPartnerKeyId="$partner_key_id" Sharemint__Api__DemoPartnerSecret="$partner_secret" \
Sharemint__GatewayPort="$gateway_port" \
Sharemint__ManagementPort="$management_port" \
ASPNETCORE_URLS="http://127.0.0.1:$http_port" \
  dotnet "$root/src/Silo/bin/Release/net10.0/Sharemint.Silo.dll" &
silo_pid=$!

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$silo_pid" 2>/dev/null || { echo "the silo exited during start-up" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "the silo did not become ready" >&2; exit 1; }
echo "==> deploying the catalogue on ethereum, base and solana"
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$http_port/v1/reserves/TSLAx" >/dev/null 2>&1; then break; fi
  kill -0 "$silo_pid" 2>/dev/null || { echo "the silo exited during deployment" >&2; exit 1; }
  sleep 0.5
done

cat <<INFO

Sharemint is running:
  HTTP API           http://127.0.0.1:$http_port/v1/assets
  Orleans dashboard  http://127.0.0.1:$management_port/dashboard   (metrics: /metrics on the same management port)
  Health             http://127.0.0.1:$http_port/health/ready   (also /health/live, /health/startup)
  Silo / gateway     127.0.0.1:$silo_port / 127.0.0.1:$gateway_port
  PostgreSQL         $connection
  Chains (JSON-RPC)  ethereum http://127.0.0.1:$eth_port  base http://127.0.0.1:$base_port  solana http://127.0.0.1:$solana_port
  Demo partner       partner-demo (KYC approved, 1,000,000 USD)
    API key          SHAREMINT_KEY_ID=$partner_key_id SHAREMINT_KEY_SECRET=$partner_secret
    EVM wallet       $partner_evm_wallet (private key $partner_evm_key)
    Solana wallet    $solana_partner (secret $solana_partner_secret)
  Operator key       SHAREMINT_KEY_ID=$admin_key_id SHAREMINT_KEY_SECRET=$admin_secret
  CLI                export SHAREMINT_API=http://127.0.0.1:$http_port/ SHAREMINT_KEY_ID=$partner_key_id SHAREMINT_KEY_SECRET=$partner_secret
                     dotnet src/Cli/bin/Release/net10.0/Sharemint.Cli.dll mint TSLAx 1.5 --chain ethereum --wallet $partner_evm_wallet --wait
Press Ctrl-C to stop.
INFO
wait "$silo_pid"
