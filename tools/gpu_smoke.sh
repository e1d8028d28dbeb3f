#!/usr/bin/env bash
# ResNet-20 training images/s: float32 and mixed_float16, XLA off and on (tools/bench/gpu_smoke.py).
#
#   tools/gpu_smoke.sh [STEPS] [FLAGS]   # from any folder; STEPS timed steps per setting (default 200)
#   tools/gpu_smoke.sh 300 --batch 256 --json /tmp/gpu_smoke.json
#
# FLAGS go to `python -m tools.bench.gpu_smoke` (--warmup, --window, --batch, --shape, --model, --json).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$root/.venv/bin/python"
if [[ ! -x "$python" ]]; then
    echo "gpu_smoke.sh: no $root/.venv (expected $python); create it with 'make -C $root venv'" >&2
    exit 2
fi
steps="${1:-200}"
if [[ ! "$steps" =~ ^[1-9][0-9]*$ ]]; then
    echo "gpu_smoke.sh: STEPS must be a positive whole number, got '$steps'" >&2
    exit 2
fi
shift || true
cd "$root"
exec "$python" -m tools.bench.gpu_smoke --steps "$steps" "$@"
