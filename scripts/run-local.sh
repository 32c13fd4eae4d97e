#!/usr/bin/env bash
# Runs the platform locally: a private PostgreSQL, two EVM chains (anvil: "ethereum" and "bnb"), a Solana devnet
# (LiteSVM) and a Tron node (devnet/tron, contracts on its own anvil), the schema migrated, one silo with its HTTP API,
# the reserves page and the Orleans dashboard, the demo catalogue seeded and every asset deployed on all four chains. Installs whatever is missing first (scripts/install.sh).
#
# State lives in the dev directory (.dev/, or /var/tmp/sharemint-dev as root): the database, each chain's state and the
# local keys, so a stop and start keeps partners, orders, balances and tokens. --reset starts from a clean slate.
# Ctrl-C stops everything in order: the silo first, then the chains (which write their state), then PostgreSQL.
#
#   ./scripts/run-local.sh [--reset] [--no-build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/postgres.sh
source "$root/scripts/lib/postgres.sh"

reset=0
build=1
for arg in "$@"; do
  case "$arg" in
    --reset) reset=1 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -eq 0 ]; then default_dev_dir=/var/tmp/sharemint-dev; else default_dev_dir="$root/.dev"; fi
dev_dir="${SHAREMINT_DEV_DIR:-$default_dev_dir}"
pg_port="${SHAREMINT_PG_PORT:-55432}"
http_port="${SHAREMINT_HTTP_PORT:-8080}"
management_port="${SHAREMINT_MANAGEMENT_PORT:-9090}"
silo_port="${SHAREMINT_SILO_PORT:-11111}"
gateway_port="${SHAREMINT_GATEWAY_PORT:-30000}"
eth_port="${SHAREMINT_ETHEREUM_PORT:-8545}"
bnb_port="${SHAREMINT_BNB_PORT:-8546}"
solana_port="${SHAREMINT_SOLANA_PORT:-8899}"
tron_port="${SHAREMINT_TRON_PORT:-18090}"
# Narrows the deployment to some assets (comma-separated), e.g. for tests; empty deploys the whole catalogue.
deploy_symbols="${SHAREMINT_DEPLOY_SYMBOLS:-}"
ready_symbol="${deploy_symbols%%,*}"
ready_symbol="${ready_symbol:-TSLAx}"
# The demo assets (those with a configured price below) go on chain before the silo serves; the rest of the catalogue
# follows in the background, and a command on an asset still on its way is refused with deployment_in_progress (retry).
deploy_first=""
[ -n "$deploy_symbols" ] || deploy_first="AAPLx,TSLAx,NVDAx,MSTRx,SPYx,QQQx,GLDx,COINx,HOODx,METAx"
# Development keys only: anvil's well-known accounts 0 (issuer) and 1 (the demo partner's wallet).
issuer_evm_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
partner_evm_key=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
partner_evm_wallet=0x70997970c51812dc3a010c7d01b50e0d17dc79c8
# The same two keys on Tron (base58check of 0x41 and the same 20 bytes). The issuer's account is the local Tron node's
# genesis account, which holds its TRX; the partner's account is funded at genesis so it can pay for its transfers.
issuer_tron_address=TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG
partner_tron_wallet=TLEaY8XoqpBmndLsjcfThgdKLN1ssNuUcF
admin_key_id=ok_dev_admin
admin_secret=sk_dev_admin_0123456789abcdef
partner_key_id=pk_dev_demo
partner_secret=sk_dev_demo_0123456789abcdef
connection="Host=127.0.0.1;Port=$pg_port;Username=sharemint;Database=sharemint;Timezone=UTC"

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }
"$root/scripts/install.sh" run

if [ "$build" -eq 1 ]; then
  echo "==> building"
  dotnet build "$root/Platform.sln" -c Release -nologo -v q -clp:ErrorsOnly
fi
"$root/scripts/install.sh" tool

# The ledger and the chains are one state: keep all of it or none. Files of a partial state (one chain's state lost,
# say) would leave the ledger speaking of tokens a chain never saw, so refuse rather than start inconsistent.
state_files=("$dev_dir/ethereum.state.json" "$dev_dir/bnb.state.json" "$dev_dir/solana.state.json" "$dev_dir/solana.keys" "$dev_dir/tron.state.json")
if [ "$reset" -eq 1 ]; then
  echo "==> --reset: removing the database, the chains' state and the local keys in $dev_dir"
  pg_stop "$dev_dir/pgdata" 2>/dev/null || true
  rm -rf "$dev_dir/pgdata" "${state_files[@]}" "$dev_dir"/*.key
elif [ -f "$dev_dir/pgdata/PG_VERSION" ]; then
  for file in "${state_files[@]}"; do
    [ -f "$file" ] || { echo "$dev_dir holds a database but not $file: the ledger and the chains would disagree. Start again with --reset." >&2; exit 1; }
  done
  echo "==> keeping the state in $dev_dir (--reset for a clean slate)"
else
  rm -f "${state_files[@]}"
fi
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
  # SIGINT: anvil writes its state on it, the Solana devnet its snapshot, the Tron node its state file.
  for pid in "${chain_pids[@]}"; do
    kill -INT "$pid" 2>/dev/null || true
  done
  for pid in "${chain_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pg_stop "$dev_dir/pgdata"
  echo "stopped"
}
trap cleanup EXIT
# Ctrl-C or SIGTERM is how the platform is meant to stop: clean up (the EXIT trap) and report success.
trap 'exit 0' INT TERM

wait_for_rpc() { # url body
  for _ in $(seq 1 120); do
    if curl -fsS -H 'content-type: application/json' -d "$2" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  echo "no answer from $1" >&2
  exit 1
}

# Each chain and the silo run in their own session (setsid), so Ctrl-C reaches only this script, which stops them in order.
echo "==> starting the local chains: ethereum :$eth_port, bnb :$bnb_port (anvil), solana :$solana_port (LiteSVM), tron :$tron_port"
setsid node "$root/devnet/evm/start-anvil.js" --port "$eth_port" --chain-id 31337 --state "$dev_dir/ethereum.state.json" >>"$dev_dir/ethereum.log" 2>&1 &
chain_pids+=($!)
setsid node "$root/devnet/evm/start-anvil.js" --port "$bnb_port" --chain-id 56 --state "$dev_dir/bnb.state.json" >>"$dev_dir/bnb.log" 2>&1 &
chain_pids+=($!)
# --snapshot: the devnet restores from the file at start and writes it after changes and on SIGINT/SIGTERM.
setsid node "$root/devnet/solana/server.js" --port "$solana_port" --slot-ms 200 --snapshot "$dev_dir/solana.state.json" >>"$dev_dir/solana.log" 2>&1 &
chain_pids+=($!)
# Tron: 3-second blocks as on mainnet; --fund applies at genesis only (a kept state keeps its balances).
setsid node "$root/devnet/tron/server.js" --port "$tron_port" --block-ms 3000 --state "$dev_dir/tron.state.json" \
  --fund "$partner_tron_wallet:10000000000" >>"$dev_dir/tron.log" 2>&1 &
chain_pids+=($!)
wait_for_rpc "http://127.0.0.1:$eth_port" '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
wait_for_rpc "http://127.0.0.1:$bnb_port" '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
wait_for_rpc "http://127.0.0.1:$solana_port" '{"jsonrpc":"2.0","id":1,"method":"getBlockHeight","params":[]}'
wait_for_rpc "http://127.0.0.1:$tron_port/wallet/getnowblock" '{}'

# Solana keys (the issuer's fee payer and the demo partner's wallet), made once with the devnet's own web3.js and kept
# with the chain's state.
if [ ! -f "$dev_dir/solana.keys" ]; then
  (cd "$root/devnet" && node -e '
    const { Keypair } = require("@solana/web3.js"); const bs58 = require("bs58"); const enc = (bs58.default || bs58).encode;
    const issuer = Keypair.generate(), partner = Keypair.generate();
    console.log(enc(issuer.secretKey), partner.publicKey.toBase58(), enc(partner.secretKey));') > "$dev_dir/solana.keys.tmp"
  read -r _ solana_partner _ < "$dev_dir/solana.keys.tmp"
  curl -fsS -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"requestAirdrop\",\"params\":[\"$solana_partner\",10000000000]}" \
    "http://127.0.0.1:$solana_port" >/dev/null
  mv "$dev_dir/solana.keys.tmp" "$dev_dir/solana.keys"
fi
read -r solana_issuer solana_partner solana_partner_secret < "$dev_dir/solana.keys"
[ -f "$dev_dir/api.key" ] || head -c32 /dev/urandom | base64 > "$dev_dir/api.key"
[ -f "$dev_dir/signing.key" ] || head -c32 /dev/urandom | base64 > "$dev_dir/signing.key"
[ -f "$dev_dir/quote.key" ] || head -c32 /dev/urandom | base64 > "$dev_dir/quote.key"

echo "==> migrating the schema"
(cd "$root" && dotnet sharemint db migrate --connection "$connection")

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
Sharemint__Chains__bnb__Family=evm Sharemint__Chains__bnb__RpcUrl="http://127.0.0.1:$bnb_port" \
Sharemint__Chains__bnb__ChainId=56 Sharemint__Chains__bnb__Confirmations=1 Sharemint__Chains__bnb__PrivateKey="$issuer_evm_key" \
Sharemint__Chains__solana__Family=solana Sharemint__Chains__solana__RpcUrl="http://127.0.0.1:$solana_port" \
Sharemint__Chains__solana__Keypair="$solana_issuer" Sharemint__Chains__solana__AirdropLamports=100000000000 \
Sharemint__Chains__tron__Family=tron Sharemint__Chains__tron__RpcUrl="http://127.0.0.1:$tron_port" \
Sharemint__Chains__tron__PrivateKey="$issuer_evm_key" \
Sharemint__Demo__Wallets__ethereum="$partner_evm_wallet" Sharemint__Demo__Wallets__bnb="$partner_evm_wallet" \
Sharemint__Demo__Wallets__solana="$solana_partner" Sharemint__Demo__Wallets__tron="$partner_tron_wallet" \
Sharemint__Signing__AttestationKey="$(cat "$dev_dir/signing.key")" Sharemint__Signing__QuoteKey="$(cat "$dev_dir/quote.key")" \
Sharemint__Api__SecretEncryptionKey="$(cat "$dev_dir/api.key")" \
Sharemint__Api__BootstrapAdminKeyId="$admin_key_id" Sharemint__Api__BootstrapAdminSecret="$admin_secret" \
Sharemint__Api__DemoPartnerKeyId="$partner_key_id" Sharemint__Api__DemoPartnerSecret="$partner_secret" \
Sharemint__Webhooks__AllowPrivateNetworks=true \
Sharemint__GatewayPort="$gateway_port" \
Sharemint__DeploySymbols="$deploy_symbols" \
Sharemint__DeployFirst="$deploy_first" \
Sharemint__ManagementPort="$management_port" \
ASPNETCORE_URLS="http://127.0.0.1:$http_port" \
  setsid dotnet "$root/src/Silo/bin/Release/net10.0/Sharemint.Silo.dll" &
silo_pid=$!

# The silo deploys the first assets' tokens before it reports ready: seconds on a quiet machine, a minute or two on a busy one.
for _ in $(seq 1 360); do
  if curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$silo_pid" 2>/dev/null || { echo "the silo exited during start-up" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "the silo did not become ready" >&2; exit 1; }
[ -z "$deploy_first" ] || echo "==> serving; the rest of the catalogue deploys in the background (dotnet sharemint admin assets progress SYMBOL)"
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$http_port/v1/reserves/$ready_symbol" >/dev/null 2>&1; then break; fi
  kill -0 "$silo_pid" 2>/dev/null || { echo "the silo exited during deployment" >&2; exit 1; }
  sleep 0.5
done

cat <<INFO

Sharemint is running:
  HTTP API           http://127.0.0.1:$http_port/v1/assets
  Reserves page      http://127.0.0.1:$http_port/reserves
  Orleans dashboard  http://127.0.0.1:$management_port/dashboard   (metrics: /metrics on the same management port)
  Health             http://127.0.0.1:$http_port/health/ready   (also /health/live, /health/startup)
  Silo / gateway     127.0.0.1:$silo_port / 127.0.0.1:$gateway_port
  PostgreSQL         $connection
  Chains (JSON-RPC)  ethereum http://127.0.0.1:$eth_port  bnb http://127.0.0.1:$bnb_port  solana http://127.0.0.1:$solana_port
  Tron (HTTP API)    http://127.0.0.1:$tron_port  (TronWeb: new TronWeb({ fullHost: 'http://127.0.0.1:$tron_port' }))
  State              $dev_dir (kept across restarts; --reset for a clean slate)
  Demo partner       partner-demo (KYC approved, 1,000,000 USD)
    API key          SHAREMINT_KEY_ID=$partner_key_id SHAREMINT_KEY_SECRET=$partner_secret
    EVM wallet       $partner_evm_wallet (private key $partner_evm_key)
    Solana wallet    $solana_partner (secret $solana_partner_secret)
    Tron wallet      $partner_tron_wallet (the EVM private key; issuer $issuer_tron_address)
  Operator key       SHAREMINT_KEY_ID=$admin_key_id SHAREMINT_KEY_SECRET=$admin_secret
  CLI                export SHAREMINT_API=http://127.0.0.1:$http_port/ SHAREMINT_KEY_ID=$partner_key_id SHAREMINT_KEY_SECRET=$partner_secret
                     dotnet sharemint mint TSLAx 1.5 --chain ethereum --wallet $partner_evm_wallet --wait
Press Ctrl-C to stop.
INFO
wait "$silo_pid"
