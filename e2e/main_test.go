package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

// skiffBin is the skiff binary TestMain built for this run; buildErr says
// why there is none. Tests that need it call skiffBinary(t).
var (
	skiffBin string
	buildErr error
)

// TestMain builds the skiff binary once for every test in the package,
// runs the tests, and checks that none of them left a goroutine behind.
// SKIFF_E2E_RACE=1 builds the binary with the race detector, so the broker
// itself is race-checked under these tests (slower); SKIFF_E2E_BIN=path
// tests that binary instead of building one.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "skiff-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	if bin := os.Getenv("SKIFF_E2E_BIN"); bin != "" {
		skiffBin, buildErr = filepath.Abs(bin)
	} else {
		skiffBin, buildErr = buildSkiff(dir)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(leakOptions()...); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: goroutines leaked:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// leakOptions ignores goroutines that client libraries start once per
// process and never stop (not owned by any test).
func leakOptions() []goleak.Option {
	return []goleak.Option{
		// sarama's metrics (rcrowley/go-metrics) tick meters from one
		// global goroutine started by the first meter.
		goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"),
	}
}

// buildSkiff runs `go build -o dir/skiff ./cmd/skiff` in the module root.
func buildSkiff(dir string) (string, error) {
	root, err := moduleDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "skiff")
	args := []string{"build", "-o", bin}
	if os.Getenv("SKIFF_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./cmd/skiff")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/skiff: %v\n%s", err, out)
	}
	return bin, nil
}

// moduleDir is the module root: the parent of this file's directory.
func moduleDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot find the test file's path")
	}
	return filepath.Dir(filepath.Dir(file)), nil
}

// skiffBinary returns the built skiff binary, failing the test if the build
// failed.
func skiffBinary(t testing.TB) string {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("the skiff binary did not build: %v", buildErr)
	}
	return skiffBin
}
