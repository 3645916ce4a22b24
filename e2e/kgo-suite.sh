#!/usr/bin/env bash
# e2e/kgo-suite.sh [go test flags...]: run franz-go's own pkg/kgo
# integration tests against a fresh single-node Skiff.
#
# It builds ./cmd/skiff, starts it on spare loopback ports with a temp data
# dir, copies franz-go's module source (the version in go.mod) out of the Go
# module cache into a temp dir, and runs `go test ./pkg/kgo` there with
# KGO_SEEDS pointing at Skiff and KGO_TEST_RF=1 (one broker). It stops the
# broker it started, by PID, and removes its temp dirs.
#
# Tests that need consumer groups or transactions are skipped with -skip
# (they come with those issues); pass KGO_SKIP='' to run everything, or
# your own pattern. Extra arguments go to go test (e.g. -run TestIssue).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
skip=${KGO_SKIP-'TestTxnEtl|TestGroupETL|TestGroupSimple|TestShareGroup|Test848RegexBrokerResolves'}
port=${KGO_SUITE_PORT:-39692}
work=$(mktemp -d "${TMPDIR:-/tmp}/skiff-kgo-suite.XXXXXX")
pid=""
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

version=$(go list -m -f '{{.Version}}' github.com/twmb/franz-go)
src=$(go mod download -json "github.com/twmb/franz-go@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[[ -d $src ]] || { echo "kgo-suite: franz-go $version not in the module cache" >&2; exit 1; }
cp -r "$src" "$work/franz-go"
chmod -R u+w "$work/franz-go"

go build -o "$work/skiff" ./cmd/skiff
"$work/skiff" server --log-dirs "$work/data" \
	--listeners "PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))" \
	--controller-quorum-voters "1@127.0.0.1:$((port + 1))" \
	--http-listener "127.0.0.1:$((port + 2))" >"$work/skiff.log" 2>&1 &
pid=$!
for i in $(seq 60); do
	"$work/skiff" healthcheck --http "127.0.0.1:$((port + 2))" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { echo "skiff exited:"; tail -20 "$work/skiff.log"; exit 1; }
	[[ $i -lt 60 ]] || { echo "skiff not ready after 60 s"; exit 1; }
	sleep 1
done

echo "franz-go $version pkg/kgo against skiff on 127.0.0.1:$port (skipping: ${skip:-nothing})"
cd "$work/franz-go/pkg/kgo"
set +e
KGO_SEEDS="127.0.0.1:$port" KGO_TEST_RF=1 KGO_LOG_LEVEL=none \
	go test -count=1 -timeout 25m -v ${skip:+-skip "$skip"} "$@" . >"$work/kgo.log" 2>&1
rc=$?
set -e
grep -E '^(--- FAIL|FAIL|ok|panic)' "$work/kgo.log" || true
echo "passed: $(grep -c '^--- PASS' "$work/kgo.log"), failed: $(grep -c '^--- FAIL' "$work/kgo.log"), skipped: $(grep -c '^--- SKIP' "$work/kgo.log")"
for t in $(grep '^--- FAIL' "$work/kgo.log" | awk '{print $3}'); do
	echo "== $t"; grep -B4 "^--- FAIL: $t " "$work/kgo.log" | grep '^    ' | head -3
done
exit $rc
