package e2e

import (
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// dockerTimeout bounds one docker command (a build included).
const dockerTimeout = 3 * time.Minute

// TestDockerImage builds deploy/Dockerfile around a static binary, runs it
// with the Kafka and HTTP ports published on loopback and the advertised
// listener set from the environment, waits for the image's HEALTHCHECK
// (`skiff healthcheck`) to report healthy, produces and consumes through
// the published port, stops the container (exit 0, clean stop) and removes
// the container, its volume and the image.
func TestDockerImage(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker not installed")
	}
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		t.Skipf("docker info fails (no daemon, or no access): %v\n%s", err, lastLines(string(out), 5))
	}
	t.Parallel()
	contextDir := dockerContext(t)
	id := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	tag, name := "skiff-e2e:"+id, "skiff-e2e-"+id
	docker(t, "build", "--force-rm", "-q", "-t", tag, contextDir)
	t.Cleanup(func() { dockerQuiet("rmi", "-f", tag) })

	kafkaPort := runContainer(t, tag, name)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("container log tail:\n%s", lastLines(dockerQuiet("logs", name), 40))
		}
		dockerQuiet("rm", "-f", "-v", name)
	})
	waitHealthy(t, name)

	addr := fmt.Sprintf("127.0.0.1:%d", kafkaPort)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	topic := topicName(t)
	ctx := ctxFor(t, clientTimeout)
	want := seq("in-docker-", 0, 20)
	for _, v := range want {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("produce through the published port %s: %v", addr, err)
		}
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	var got []string
	for len(got) < len(want) {
		fetches := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %q within %v; want %q", got, clientTimeout, want)
		}
		fetches.EachError(func(_ string, _ int32, err error) { t.Fatalf("consume: %v", err) })
		fetches.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("consumed %q; want %q", got, want)
	}
	cl.Close()
	cons.Close()

	docker(t, "stop", "-t", "20", name)
	if code := strings.TrimSpace(docker(t, "inspect", "--format", "{{.State.ExitCode}}", name)); code != "0" {
		t.Errorf("container exit code %s after docker stop; want 0", code)
	}
	if logs := dockerQuiet("logs", name); !strings.Contains(logs, "stopped cleanly") {
		t.Errorf("the container's log does not say it stopped cleanly:\n%s", lastLines(logs, 20))
	}
}

// dockerContext assembles the build context: deploy/'s files and a static
// skiff binary (the test binary if it is static, else a CGO_ENABLED=0 build).
func dockerContext(t *testing.T) string {
	t.Helper()
	root, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"Dockerfile", ".dockerignore", "server.properties", "data-dir/.keep"} {
		copyFile(t, filepath.Join(root, "deploy", f), filepath.Join(dir, f))
	}
	bin := filepath.Join(dir, "skiff")
	if isStatic(skiffBinary(t)) {
		copyFile(t, skiffBinary(t), bin)
		return dir
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/skiff")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/skiff: %v\n%s", err, out)
	}
	return dir
}

// isStatic reports whether an ELF binary needs no dynamic loader, so it can
// run on an empty base image.
func isStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// runContainer starts the image with Kafka and HTTP published on free
// loopback ports (trying new ports if one was taken) and returns the Kafka one.
func runContainer(t *testing.T, tag, name string) int {
	t.Helper()
	var lastErr string
	for range 3 {
		kafkaPort, httpPort := freePort(t), freePort(t)
		out, err := runDocker("run", "-d", "--name", name,
			"-p", fmt.Sprintf("127.0.0.1:%d:9092", kafkaPort), "-p", fmt.Sprintf("127.0.0.1:%d:9644", httpPort),
			"-e", fmt.Sprintf("SKIFF_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:%d", kafkaPort),
			"--health-interval", "1s", "--health-start-period", "60s", tag)
		if err == nil {
			return kafkaPort
		}
		lastErr = fmt.Sprintf("%v: %s", err, out)
		dockerQuiet("rm", "-f", "-v", name)
		if !strings.Contains(out, "address already in use") && !strings.Contains(out, "port is already allocated") {
			break
		}
	}
	t.Fatalf("docker run: %s", lastErr)
	return 0
}

// waitHealthy waits (bounded) until docker reports the container healthy:
// the image's HEALTHCHECK, `skiff healthcheck`, passed.
func waitHealthy(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	status := ""
	for time.Now().Before(deadline) {
		status = strings.TrimSpace(dockerQuiet("inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name))
		switch status {
		case "running healthy":
			return
		case "exited unhealthy", "exited starting", "exited healthy":
			t.Fatalf("container exited: %s", status)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("container not healthy after 90s (status %q)", status)
}

// docker runs a docker command, failing the test if it fails.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runDocker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// dockerQuiet runs a docker command for cleanup or diagnostics, ignoring failure.
func dockerQuiet(args ...string) string {
	out, _ := runDocker(args...)
	return out
}

func runDocker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dockerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return string(out), err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
