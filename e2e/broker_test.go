package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds of the broker harness. Generous: tests run in parallel under the
// race detector on two shared cores.
const (
	readyTimeout = 60 * time.Second // start → /readyz 200
	stopTimeout  = 20 * time.Second // SIGTERM → exit, before SIGKILL
	killTimeout  = 10 * time.Second // SIGKILL → reaped
)

// brokerOpts configure a broker process.
type brokerOpts struct {
	// logDirs are the log dirs (--log-dirs); default one fresh temp dir.
	logDirs []string
	// args are extra arguments after `skiff server` and the harness's own.
	args []string
	// env is added to the environment (KEY=value); SKIFF_* and KAFKA_*
	// variables of the test process are never passed on.
	env []string
	// logLevel is --log-level; default info.
	logLevel string
	// wrap, if set, turns the skiff command line into the one to run (to
	// start the broker inside `unshare`, say). The wrapper must exec skiff
	// so the PID we started is the broker's.
	wrap func(argv []string) []string
}

// brokerPorts are the loopback ports of one broker.
type brokerPorts struct{ kafka, controller, http int }

// broker is one skiff server process that a test started, restartable on
// the same dirs and ports. Every process it starts is stopped in cleanup
// (SIGTERM, then SIGKILL after a bound); only these PIDs are ever signalled.
// A broker is driven by its test's goroutine only.
type broker struct {
	t     testing.TB
	opts  brokerOpts
	dir   string // holds one log file per start
	ports brokerPorts
	proc  *brokerProc // the running process; nil when stopped
	logs  []string    // log file of each start, in order
}

// brokerProc is one started process; its reaper goroutine closes done
// once the process has exited.
type brokerProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's result; read only after done is closed
}

// newBroker prepares a broker with fresh temp dirs and ports, and
// registers the cleanup that stops it and, if the test failed, prints the
// tail of its log.
func newBroker(t testing.TB, opts brokerOpts) *broker {
	t.Helper()
	if len(opts.logDirs) == 0 {
		opts.logDirs = []string{filepath.Join(t.TempDir(), "data")}
	}
	if opts.logLevel == "" {
		opts.logLevel = "info"
	}
	b := &broker{t: t, opts: opts, dir: t.TempDir()}
	t.Cleanup(b.cleanup)
	return b
}

// startBroker is newBroker then start.
func startBroker(t testing.TB, opts brokerOpts) *broker {
	t.Helper()
	b := newBroker(t, opts)
	b.start()
	return b
}

func (b *broker) addr() string     { return "127.0.0.1:" + strconv.Itoa(b.ports.kafka) }
func (b *broker) httpAddr() string { return "127.0.0.1:" + strconv.Itoa(b.ports.http) }
func (b *broker) pid() int         { return b.proc.cmd.Process.Pid }
func (b *broker) logDir() string   { return b.opts.logDirs[0] }

// argv is the full command line of the broker with the current ports.
func (b *broker) argv() []string {
	ctrl := "127.0.0.1:" + strconv.Itoa(b.ports.controller)
	argv := []string{skiffBinary(b.t), "server",
		"--log-dirs", strings.Join(b.opts.logDirs, ","),
		"--listeners", fmt.Sprintf("PLAINTEXT://%s,CONTROLLER://%s", b.addr(), ctrl),
		"--controller-quorum-voters", "1@" + ctrl,
		"--http-listener", b.httpAddr(),
		"--log-format", "json",
		"--log-level", b.opts.logLevel,
	}
	argv = append(argv, b.opts.args...)
	if b.opts.wrap != nil {
		argv = b.opts.wrap(argv)
	}
	return argv
}

// start starts the broker and waits until /readyz answers 200. The first
// start picks free ports and tries again with new ones if a port was taken
// in between; restarts keep the ports, as clients and the metadata quorum
// know them.
func (b *broker) start() {
	b.t.Helper()
	fresh := b.ports == brokerPorts{}
	for attempt := 1; ; attempt++ {
		if fresh {
			b.ports = freePorts(b.t)
		}
		err := b.tryStart()
		if err == nil {
			return
		}
		if fresh && attempt < 4 && b.logContains(len(b.logs)-1, "address already in use") {
			b.t.Logf("a port was taken before the broker bound it; retrying with new ports: %v", err)
			continue
		}
		b.t.Fatalf("start broker: %v\n%s", err, b.tail(40))
	}
}

// tryStart starts the process and waits for readiness; on failure the
// process is gone.
func (b *broker) tryStart() error {
	if b.proc != nil {
		return errors.New("broker already running")
	}
	p, err := b.spawn()
	if err != nil {
		return err
	}
	b.proc = p
	if err := b.waitReady(); err != nil {
		b.killAndReap()
		return err
	}
	return nil
}

// spawn starts the process with its output in a new log file.
func (b *broker) spawn() (*brokerProc, error) {
	argv := b.argv()
	logPath := filepath.Join(b.dir, fmt.Sprintf("broker-%d.log", len(b.logs)+1))
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	b.logs = append(b.logs, logPath)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(cleanEnv(), b.opts.env...)
	cmd.Stdout, cmd.Stderr = out, out
	// If the test binary dies, the broker dies with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("exec %s: %w", argv[0], err)
	}
	p := &brokerProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

// cleanEnv is this process's environment without variables that would
// configure skiff behind the test's back.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SKIFF_") || strings.HasPrefix(kv, "KAFKA_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitReady polls /readyz until it answers 200, the process exits, or
// readyTimeout passes.
func (b *broker) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	url := "http://" + b.httpAddr() + "/readyz"
	for {
		status, err := httpStatus(url)
		if err == nil && status == http.StatusOK {
			return nil
		}
		select {
		case <-b.proc.done:
			return fmt.Errorf("broker exited before it was ready (%v)", b.proc.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("broker not ready after %v (last: status %d, %v)", readyTimeout, status, err)
		}
	}
}

// httpStatus GETs url on a fresh connection and returns the status code.
func httpStatus(url string) (int, error) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// kill sends SIGKILL and waits until the process is reaped.
func (b *broker) kill() {
	b.t.Helper()
	if b.proc == nil {
		b.t.Fatal("kill: broker not running")
	}
	b.killAndReap()
}

func (b *broker) killAndReap() {
	p := b.proc
	b.proc = nil
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(killTimeout):
		b.t.Errorf("broker pid %d not reaped %v after SIGKILL", p.cmd.Process.Pid, killTimeout)
	}
}

// stop sends sig (SIGTERM or SIGINT) and waits up to stopTimeout for the
// process to exit; it returns the exit code and how long the exit took. A
// broker that does not exit in time is killed and the test fails.
func (b *broker) stop(sig syscall.Signal) (code int, took time.Duration) {
	b.t.Helper()
	if b.proc == nil {
		b.t.Fatal("stop: broker not running")
	}
	p := b.proc
	began := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		b.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
		b.proc = nil
		return exitCode(p.err), time.Since(began)
	case <-time.After(stopTimeout):
		b.killAndReap()
		b.t.Fatalf("broker did not exit within %v of %v; killed it\n%s", stopTimeout, sig, b.tail(40))
		return -1, 0
	}
}

// exited reports whether the process has exited on its own, and how.
func (b *broker) exited() (bool, error) {
	select {
	case <-b.proc.done:
		return true, b.proc.err
	default:
		return false, nil
	}
}

// exitCode is the exit status of a process Wait returned err for; -1 if
// a signal ended it.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// cleanup stops the process if it still runs (SIGTERM, then SIGKILL) and
// prints the log tail when the test failed.
func (b *broker) cleanup() {
	if b.proc != nil {
		p := b.proc
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			b.proc = nil
		case <-time.After(stopTimeout):
			b.t.Logf("broker pid %d ignored SIGTERM for %v; killing it", p.cmd.Process.Pid, stopTimeout)
			b.killAndReap()
		}
	}
	b.checkCrashReports()
	if b.t.Failed() && len(b.logs) > 0 {
		b.t.Logf("tail of the broker log (start %d of %d, %s):\n%s", len(b.logs), len(b.logs), b.opts.logDirs, b.tail(60))
	}
}

// crashReports are what the Go runtime writes to stderr when the broker
// panics, dies of a fatal error, or (built with SKIFF_E2E_RACE=1) races.
var crashReports = []string{"WARNING: DATA RACE", "\npanic: ", "\nfatal error: "}

// checkCrashReports fails the test if any start's output holds one.
func (b *broker) checkCrashReports() {
	for i := range b.logs {
		text := b.logText(i)
		for _, r := range crashReports {
			if at := strings.Index(text, r); at >= 0 {
				b.t.Errorf("broker output of start %d has %q:\n%s", i+1, strings.TrimSpace(r), text[at:min(len(text), at+4000)])
			}
		}
	}
}

// tail returns the last n lines of the latest start's log.
func (b *broker) tail(n int) string {
	if len(b.logs) == 0 {
		return "(no broker log)"
	}
	data, err := os.ReadFile(b.logs[len(b.logs)-1])
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePorts picks three free loopback ports by listening on port 0 and
// closing again; the broker binds them a moment later.
func freePorts(t testing.TB) brokerPorts {
	t.Helper()
	var ports [3]int
	var lns []net.Listener
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("pick a free port: %v", err)
		}
		lns = append(lns, ln)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for _, ln := range lns {
		ln.Close()
	}
	return brokerPorts{kafka: ports[0], controller: ports[1], http: ports[2]}
}

// freePort picks one free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
