package wire

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestKcatMetadata: librdkafka (through kcat, when installed) negotiates
// versions with ApiVersions and reads a Metadata response: a second,
// independent client implementation of the framing and headers.
func TestKcatMetadata(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat not installed")
	}
	var keys keyLog
	h := &testHandler{override: keys.record}
	ts := startServer(t, testConfig(), h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, kcat, "-b", ts.addr, "-L", "-m", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("kcat -L: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "1 brokers:") || !strings.Contains(string(out), ts.addr) {
		t.Fatalf("kcat -L output:\n%s", out)
	}
	if !keys.saw(18) || !keys.saw(3) {
		t.Fatalf("requests seen: %v", keys.all())
	}
}
