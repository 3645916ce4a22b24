package bench

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// skiffBin is the binary built once for the benchmarks in TestMain.
var skiffBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "skiff-bench-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	skiffBin = filepath.Join(dir, "skiff")
	build := exec.Command("go", "build", "-o", skiffBin, "./cmd/skiff")
	build.Dir = root
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build skiff:", err)
		return 1
	}
	return m.Run()
}

// broker is one skiff process started by a benchmark.
type broker struct {
	dir, addr, http string
	ports           [3]int
	cmd             *exec.Cmd
	logPath         string
}

// startBroker starts skiff on free loopback ports with a fresh data dir and
// waits until /readyz answers; the benchmark stops it.
func startBroker(b *testing.B, _ string) *broker {
	b.Helper()
	br := &broker{dir: b.TempDir()}
	for i := range br.ports {
		br.ports[i] = freePort(b)
	}
	br.addr = fmt.Sprintf("127.0.0.1:%d", br.ports[0])
	br.http = fmt.Sprintf("127.0.0.1:%d", br.ports[2])
	br.logPath = filepath.Join(br.dir, "skiff.log")
	br.start(b)
	b.Cleanup(func() { br.stop(b) })
	return br
}

func (br *broker) start(b *testing.B) {
	b.Helper()
	logf, err := os.OpenFile(br.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	ctrl := fmt.Sprintf("127.0.0.1:%d", br.ports[1])
	br.cmd = exec.Command(skiffBin, "server",
		"--log-dirs", filepath.Join(br.dir, "data"),
		"--listeners", "PLAINTEXT://"+br.addr+",CONTROLLER://"+ctrl,
		"--controller-quorum-voters", "1@"+ctrl,
		"--http-listener", br.http)
	br.cmd.Stdout, br.cmd.Stderr = logf, logf
	if err := br.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + br.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("skiff not ready after 2 minutes; log in %s", br.logPath)
}

// stop sends SIGTERM and waits (bounded), then SIGKILL.
func (br *broker) stop(b *testing.B) {
	if br.cmd == nil || br.cmd.Process == nil {
		return
	}
	_ = br.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- br.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b.Logf("skiff exited: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = br.cmd.Process.Kill()
		<-done
		b.Logf("skiff did not stop within 30 s; killed")
	}
	br.cmd = nil
}

func (br *broker) restart(b *testing.B) {
	br.stop(b)
	br.start(b)
}

func freePort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
