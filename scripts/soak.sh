#!/usr/bin/env bash
# The messenger soak (docs/soak.md): Ceph's synthetic workload at Ceph's QA injection rate for
# a fixed time, over loopback TCP, in one process:
#
#   scripts/soak.sh [SECONDS] [extra ceph-msgr stress options…]
#
#   SECONDS   how long the workload runs (default 600); the drain comes on top (bounded)
#   env:      POLICY (lossless_peer), RATE (ms_inject_socket_failures, 500 = qa "many"),
#             MESSENGERS (8), CONNECTIONS (4), SEED (random), LOG (soak-<date>.log)
#
# Progress goes to stderr and the log; the JSON result to stdout, the log and LOG.json. The exit
# status is the stress command's: 0 = nothing lost, duplicated, reordered or left over.
# Example: scripts/soak.sh 1800 --ms-mode secure        RATE=1500 scripts/soak.sh 600
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
duration="${1:-600}"
[ $# -gt 0 ] && shift
seed="${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
log="${LOG:-soak-$(date +%Y%m%d-%H%M%S).log}"
cmd=("$root/bin/ceph-msgr" stress
  --messengers "${MESSENGERS:-8}" --connections "${CONNECTIONS:-4}"
  --duration "$duration" --policy "${POLICY:-lossless_peer}"
  --ms-inject-socket-failures "${RATE:-500}" --seed "$seed" "$@")
echo "soak: ${cmd[*]}" | tee "$log" >&2
set +e
"${cmd[@]}" 2> >(tee -a "$log" >&2) > "$log.json"
status=$?
set -e
sleep 1 # let the stderr pipe flush
result="$(tail -n 1 "$log.json")"
echo "$result"
echo "$result" >> "$log"
node -e '
  const r = JSON.parse(process.argv[1]);
  console.error(`soak: ${r.elapsed_s} s, sent ${r.sent}, delivered ${r.delivered}, lost ${r.lost}, duplicated ${r.duplicated}, ` +
    `reordered ${r.reordered}, resets ${r.resets}, reconnects ${r.reconnects}, socket faults ${r.socket_failures}; ` +
    `rss start ${r.rss_mb_start} MB, end ${r.rss_mb_end} MB, max ${r.rss_mb_max} MB, by minute [${r.rss_mb_by_minute.join(", ")}]`);
' "$result" 2>&1 | tee -a "$log" >&2 || true
echo "soak: exit status $status (log: $log)" >&2
exit "$status"
