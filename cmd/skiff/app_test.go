package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cliRun runs one command line as a user would and returns its exit code,
// stdout and stderr.
type cliRun struct {
	code     int
	out, err string
}

func runCLI(t *testing.T, stdin string, args ...string) cliRun {
	t.Helper()
	return runCLIWith(t, &app{in: strings.NewReader(stdin), env: nil, start: startNode}, args...)
}

func runCLIWith(t *testing.T, a *app, args ...string) cliRun {
	t.Helper()
	var out, errOut bytes.Buffer
	a.out, a.errOut = &out, &errOut
	if a.in == nil {
		a.in = strings.NewReader("")
	}
	code := a.run(context.Background(), append([]string{"skiff"}, args...))
	return cliRun{code: code, out: out.String(), err: errOut.String()}
}

func (r cliRun) ok(t *testing.T) cliRun {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.err)
	}
	return r
}

func (r cliRun) fails(t *testing.T, wantErr ...string) cliRun {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit 0, want a failure\nstdout: %s", r.out)
	}
	for _, w := range wantErr {
		if !strings.Contains(r.err, w) {
			t.Errorf("stderr %q does not contain %q", r.err, w)
		}
	}
	return r
}

func TestPositional(t *testing.T) {
	r := runCLI(t, "", "topic", "create", "x", "--bogus")
	r.fails(t, "unknown flag --bogus")
	r = runCLI(t, "", "topic", "create", "x", "-p")
	r.fails(t, "needs a value")
	r = runCLI(t, "", "topic", "create")
	r.fails(t, "usage: skiff topic create NAME...")
	r = runCLI(t, "", "topic", "describe", "a", "b")
	r.fails(t, "usage: skiff topic describe NAME")
	r = runCLI(t, "", "topic", "list", "--format", "yaml")
	r.fails(t, "want text or json")
}
