#!/usr/bin/env bash
# Runs the proof suites (tests-e2e/src/proof: chaos, fuzz, security) at their full sizes — 10,000 messages
# over 50 chats with imsg SIGKILLed about every 500 notifications and the gateway killed three times,
# 100,000 fuzz lines, 1,000 wrong pairing codes — one file at a time. Each suite prints its counts as a table.
# Usage: bash tests-e2e/scripts/proof-long.sh [vitest args]   (IMGATE_PROOF_SEED=N repeats a seeded run)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.toolchain/node_modules/.bin:$PATH"
export IMGATE_PROOF=long
exec pnpm exec vitest run --project tests-e2e --maxWorkers=1 src/proof "$@"
