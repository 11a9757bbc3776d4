#!/usr/bin/env bash
# One-shot GPU check (issue 18 item 5), meant to finish in under 8 minutes on a single-GPU machine:
# CUDA TensorFlow (installed if absent), the project, render_bench.py at batch 1/4/32/64 on conv4_1
# and conv5_1, the conv peak, and every conv unit of VGG16 (4224) extrapolated at 128 px / 512 steps.
#
#   bash benchmarks/gpu_check.sh [--dry-run]      # run from the repository root
#
# Environment: OUT (results folder, default benchmarks/gpu_out), PYTHON (default python3),
# WHEELS (a folder of wheels for a machine without internet: tensorflow[and-cuda] and its NVIDIA
# wheels, installed with --no-index --find-links), PRECISIONS (default float32,bfloat16),
# BATCHES (default 1,4,32,64), LAYERS (default conv4_1,conv5_1), STEP_TIMEOUT (s per step, 300).
set -euo pipefail

DRY_RUN=0
for arg in "$@"; do
  case "$arg" in
    --dry-run|-n) DRY_RUN=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument '$arg' (allowed: --dry-run, --help)" >&2; exit 2 ;;
  esac
done

OUT="${OUT:-benchmarks/gpu_out}"
PYTHON="${PYTHON:-python3}"
PRECISIONS="${PRECISIONS:-float32,bfloat16}"
BATCHES="${BATCHES:-1,4,32,64}"
LAYERS="${LAYERS:-conv4_1,conv5_1}"
STEP_TIMEOUT="${STEP_TIMEOUT:-300}"
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
START=$SECONDS

run() {  # print the command; run it unless --dry-run
  echo "+ $*"
  if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

[ -f benchmarks/render_bench.py ] || { echo "gpu_check.sh: run me from the repository root" >&2; exit 2; }
run mkdir -p "$OUT"
run nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv

echo "== 1. TensorFlow with CUDA (installed if it sees no GPU)"
has_gpu() { "$PYTHON" -c "import tensorflow as tf, sys; sys.exit(0 if tf.config.list_physical_devices('GPU') else 1)" 2>/dev/null; }
if [ "$DRY_RUN" = 1 ] || ! has_gpu; then
  if [ -n "${WHEELS:-}" ]; then
    run "$PYTHON" -m pip install -q --no-index --find-links "$WHEELS" "tensorflow[and-cuda]"
  else
    run "$PYTHON" -m pip install -q "tensorflow[and-cuda]"
  fi
fi
if [ "$DRY_RUN" = 0 ] && ! has_gpu; then
  echo "gpu_check.sh: TensorFlow still sees no GPU after installing tensorflow[and-cuda]" >&2; exit 1
fi

echo "== 2. the project"
if [ -n "${WHEELS:-}" ]; then
  run "$PYTHON" -m pip install -q --no-index --find-links "$WHEELS" -e .
else
  run "$PYTHON" -m pip install -q -e .
fi

echo "== 3. render_bench.py: $LAYERS x batch $BATCHES x $PRECISIONS"
run timeout "$STEP_TIMEOUT" "$PYTHON" benchmarks/render_bench.py --layers "$LAYERS" \
  --batches "$BATCHES" --precisions "$PRECISIONS" --no-unpruned --json "$OUT/render_bench_gpu.json"

echo "== 4. conv peak"
run timeout 120 "$PYTHON" benchmarks/conv_peak.py --all --json "$OUT/conv_peak_gpu.json"

echo "== 5. every conv unit of VGG16 (4224) at 128 px / 512 steps, extrapolated"
run "$PYTHON" benchmarks/extrapolate_units.py "$OUT/render_bench_gpu.json" --steps 512 \
  --json "$OUT/all_units_gpu.json"

echo "gpu_check.sh: done in $((SECONDS - START)) s; results in $OUT/"
