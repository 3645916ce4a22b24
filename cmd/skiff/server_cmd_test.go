package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/skiffhq/skiff/cmd/skiff/server"
)

// fakeNode runs until closed, or fails with stopErr when that is set.
type fakeNode struct {
	mu      sync.Mutex
	closed  bool
	stop    chan struct{}
	stopErr error
}

func newFakeNode(stopErr error) *fakeNode {
	n := &fakeNode{stop: make(chan struct{}), stopErr: stopErr}
	if stopErr != nil {
		close(n.stop)
	}
	return n
}

func (n *fakeNode) Wait() error {
	<-n.stop
	return n.stopErr
}

func (n *fakeNode) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.closed = true
		if n.stopErr == nil {
			close(n.stop)
		}
	}
	return nil
}

func TestServerCommandRunsUntilSignal(t *testing.T) {
	fake := newFakeNode(nil)
	var started server.Config
	startedCh := make(chan struct{})
	a := &app{
		env: []string{"KAFKA_CFG_NUM_IO_THREADS=4"},
		start: func(ctx context.Context, cfg server.Config, _ zerolog.Logger) (node, error) {
			started = cfg
			close(startedCh)
			return fake, nil
		},
	}
	var out, errOut bytes.Buffer
	a.in, a.out, a.errOut = strings.NewReader(""), &out, &errOut
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- a.run(ctx, []string{"skiff", "server", "--node-id", "1", "--log-format", "json",
			"--override", "num.partitions=3", "--listeners", "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093",
			"--controller-quorum-voters", "1@127.0.0.1:19093"})
	}()
	<-startedCh
	cancel() // what SIGINT/SIGTERM do in main
	if c := <-code; c != 0 {
		t.Fatalf("exit %d: %s", c, errOut.String())
	}
	if !fake.closed || started.NumPartitions() != 3 || started.Listeners[0].Port != 19092 {
		t.Errorf("closed %v, config %+v", fake.closed, started)
	}
	logs := errOut.String()
	for _, want := range []string{`"clients will connect to PLAINTEXT://127.0.0.1:19092`, `"key":"num.io.threads"`, "goroutines", `"shutting down"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestServerCommandFailures(t *testing.T) {
	failing := func(ctx context.Context, cfg server.Config, _ zerolog.Logger) (node, error) {
		return newFakeNode(errors.New("disk on fire")), nil
	}
	r := runCLIWith(t, &app{start: failing}, "server")
	r.fails(t, "node stopped: disk on fire")

	refusing := func(ctx context.Context, cfg server.Config, _ zerolog.Logger) (node, error) {
		return nil, errors.New("port taken")
	}
	runCLIWith(t, &app{start: refusing}, "server").fails(t, "start node: port taken")

	r = runCLIWith(t, &app{start: refusing}, "server", "--node-id", "7")
	r.fails(t, "controller.quorum.voters", "node.id 7")
	r = runCLIWith(t, &app{env: []string{"KAFKA_NUM_PARTITIONS=0"}, start: refusing}, "server")
	r.fails(t, "num.partitions", "env KAFKA_NUM_PARTITIONS", "at least 1")
	runCLIWith(t, &app{start: refusing}, "server", "--log-level", "loud").fails(t, "--log-level")
	runCLIWith(t, &app{start: refusing}, "server", "--log-format", "xml").fails(t, "--log-format")
	runCLIWith(t, &app{start: refusing}, "server", "extra").fails(t, "usage")
}

func TestOverrideEnvOnePerLine(t *testing.T) {
	var got server.Config
	start := func(ctx context.Context, cfg server.Config, _ zerolog.Logger) (node, error) {
		got = cfg
		return nil, errors.New("stop here")
	}
	t.Setenv("SKIFF_OVERRIDE", "num.partitions=4\nlisteners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093\n")
	runCLIWith(t, &app{start: start}, "server").fails(t, "stop here")
	if got.NumPartitions() != 4 || len(got.Listeners) != 2 {
		t.Errorf("overrides from env: %+v", got)
	}
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	l, err := newLogger(&buf, "warn", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Info().Msg("hidden")
	l.Warn().Msg("shown")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), `"message":"shown"`) {
		t.Errorf("json logger wrote %q", buf.String())
	}
	buf.Reset()
	l, _ = newLogger(&buf, "INFO", "console")
	l.Info().Msg("hello")
	if !strings.Contains(buf.String(), "INF hello") {
		t.Errorf("console logger wrote %q", buf.String())
	}
}
