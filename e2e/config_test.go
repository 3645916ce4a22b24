package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// refuseBound is how long a server that must refuse to start may take to
// exit.
const refuseBound = 30 * time.Second

// TestConfigSources starts the binary with a server.properties file,
// KAFKA_CFG_* and Apache-image KAFKA_* environment variables, flags and
// --override, each setting some of the same keys, and reads the outcome
// back through DescribeConfigs: --override > flags > env > file > default.
func TestConfigSources(t *testing.T) {
	t.Parallel()
	props := filepath.Join(t.TempDir(), "server.properties")
	writeFile(t, props, strings.Join([]string{
		"# a Kafka server.properties",
		"num.partitions=2",
		"log.retention.ms=111111",
		"log.segment.bytes=2222222",
		"message.max.bytes=3333333",
		"listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2", // the flags win
		"no.such.key=1",
	}, "\n"))
	b := startBroker(t, brokerOpts{
		args: []string{"--config", props, "--override", "message.max.bytes=6666666"},
		env: []string{
			"KAFKA_CFG_LOG_SEGMENT_BYTES=4444444",
			"KAFKA_CFG_MESSAGE_MAX_BYTES=5555555",
			"KAFKA_LOG_RETENTION_BYTES=7777777",
		},
	})
	want := map[string]string{
		"num.partitions":      "2",                                                                                     // file
		"log.retention.ms":    "111111",                                                                                // file
		"log.segment.bytes":   "4444444",                                                                               // KAFKA_CFG_ env over file
		"log.retention.bytes": "7777777",                                                                               // Apache-image KAFKA_ env
		"message.max.bytes":   "6666666",                                                                               // --override over env over file
		"listeners":           "PLAINTEXT://" + b.addr() + ",CONTROLLER://127.0.0.1:" + fmt.Sprint(b.ports.controller), // flag over file
	}
	adm := b.admin(t)
	ctx := ctxFor(t, clientTimeout)
	described, err := adm.DescribeBrokerConfigs(ctx, 1)
	if err == nil {
		_, err = described.On("1", nil)
	}
	if err != nil {
		t.Fatalf("describe broker configs: %v", err)
	}
	rc, _ := described.On("1", nil)
	checkConfigs(t, "broker 1", rc.Configs, want, kmsg.ConfigSourceStaticBrokerConfig)
	checkConfigs(t, "broker 1", rc.Configs, map[string]string{"log.cleanup.policy": "delete"}, kmsg.ConfigSourceDefaultConfig)

	// A topic created without a partition count or configs inherits them.
	topic := topicName(t)
	resp, err := adm.CreateTopic(ctx, -1, -1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic with the broker's defaults: %v", err)
	}
	waitTopic(t, adm, topic, 2)
	topicConfigs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatalf("describe topic configs: %v", err)
	}
	tc, err := topicConfigs.On(topic, nil)
	if err == nil {
		err = tc.Err
	}
	if err != nil {
		t.Fatalf("describe topic configs: %v", err)
	}
	checkConfigs(t, "topic "+topic, tc.Configs, map[string]string{
		"retention.ms": "111111", "segment.bytes": "4444444", "max.message.bytes": "6666666", "retention.bytes": "7777777",
	}, kmsg.ConfigSourceStaticBrokerConfig)

	if _, ok := b.waitEntry(time.Second, func(e logEntry) bool { return e.level() == "warn" && e.str("key") == "no.such.key" }); !ok {
		t.Errorf("no warning about the unknown key no.such.key in the log")
	}
}

// checkConfigs checks each key's value and source in a DescribeConfigs answer.
func checkConfigs(t *testing.T, what string, got []kadm.Config, want map[string]string, source kmsg.ConfigSource) {
	t.Helper()
	byName := map[string]kadm.Config{}
	for _, c := range got {
		byName[c.Key] = c
	}
	for key, value := range want {
		c, ok := byName[key]
		switch {
		case !ok:
			t.Errorf("%s: %s not described", what, key)
		case c.Value == nil || *c.Value != value:
			t.Errorf("%s: %s = %v; want %s", what, key, c.MaybeValue(), value)
		case c.Source != source:
			t.Errorf("%s: %s has source %v; want %v", what, key, c.Source, source)
		}
	}
}

// TestRefusesDirOfAnotherCluster: a log dir formatted for one cluster must
// not be served by a node of another, whether the other cluster id comes
// from --cluster-id or from a second log dir.
func TestRefusesDirOfAnotherCluster(t *testing.T) {
	t.Parallel()
	bin := skiffBinary(t)
	b := startBroker(t, brokerOpts{})
	if code, _ := b.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("clean stop: exit code %d", code)
	}
	other := strings.TrimSpace(runSkiff(t, 0, bin, "storage", "random-uuid"))

	t.Run("cluster-id flag", func(t *testing.T) {
		out := runSkiff(t, 1, serverArgs(t, bin, b.logDir(), "--cluster-id", other)...)
		for _, s := range []string{b.logDir(), "cluster.id", other, "belongs to another cluster"} {
			if !strings.Contains(out, s) {
				t.Errorf("refusal does not mention %q:\n%s", s, out)
			}
		}
	})
	t.Run("second log dir", func(t *testing.T) {
		dir2 := filepath.Join(t.TempDir(), "other-cluster")
		runSkiff(t, 0, bin, "storage", "format", "--cluster-id", other, "--log-dirs", dir2)
		out := runSkiff(t, 1, serverArgs(t, bin, b.logDir()+","+dir2)...)
		if !strings.Contains(out, "belongs to another cluster") || !strings.Contains(out, "cluster.id") {
			t.Errorf("refusal does not say which dir belongs to another cluster:\n%s", out)
		}
	})
}

// TestRefusesLockedDir: a second process on a running node's log dir must
// exit with a clear message and leave the first one serving.
func TestRefusesLockedDir(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	out := runSkiff(t, 1, serverArgs(t, skiffBinary(t), b.logDir())...)
	if !strings.Contains(out, "in use by another process") || !strings.Contains(out, b.logDir()) {
		t.Errorf("second process on %s did not say the dir is locked:\n%s", b.logDir(), out)
	}
	topic := topicName(t)
	createTopic(t, b.admin(t), topic, 1, nil)
	produceSync(t, b.producer(t), topic, 0, "still-serving")
}

// serverArgs is a `skiff server` command line on fresh loopback ports.
func serverArgs(t testing.TB, bin, logDirs string, extra ...string) []string {
	p := freePorts(t)
	ctrl := fmt.Sprintf("127.0.0.1:%d", p.controller)
	return append([]string{bin, "server", "--log-dirs", logDirs,
		"--listeners", fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://%s", p.kafka, ctrl),
		"--controller-quorum-voters", "1@" + ctrl, "--http-listener", fmt.Sprintf("127.0.0.1:%d", p.http)}, extra...)
}

// runSkiff runs a skiff command that must finish within refuseBound with
// the given exit code (1: any non-zero code) and returns its output. A
// server that does not exit is killed.
func runSkiff(t testing.TB, wantCode int, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), refuseBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	code := exitCode(err)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s did not exit within %v:\n%s", strings.Join(argv[1:], " "), refuseBound, out)
	case wantCode == 0 && code != 0, wantCode != 0 && code <= 0:
		t.Fatalf("%s exited with %d (%v); want %s:\n%s", strings.Join(argv[1:], " "), code, err,
			map[bool]string{true: "0", false: "a failure"}[wantCode == 0], out)
	}
	return string(out)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
