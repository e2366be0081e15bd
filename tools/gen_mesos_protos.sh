#!/bin/sh
# Generate Python modules from Apache Mesos's v1 .proto files (tests/protocol/proto, see
# its README for the source commit) into tests/protocol/generated, for the protocol
# oracle of the test suite. Idempotent; run by `make install`.
set -eu
PY=${1:-.venv/bin/python}
SRC=tests/protocol/proto
OUT=tests/protocol/generated
rm -rf "$OUT"
mkdir -p "$OUT"
"$PY" -m grpc_tools.protoc -I "$SRC" --python_out="$OUT" \
    "$SRC/mesos/v1/mesos.proto" \
    "$SRC/mesos/v1/scheduler/scheduler.proto" \
    "$SRC/mesos/v1/executor/executor.proto"
