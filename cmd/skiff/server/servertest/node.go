package servertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/skiffhq/skiff/cmd/skiff/server"
	"github.com/skiffhq/skiff/wire"
)

// Listener names the test node uses (Kafka's defaults).
const (
	ClientListener     = "PLAINTEXT"
	ControllerListener = "CONTROLLER"
)

// Node is a running test node. Call its methods from the test's goroutine
// (or its subtests): Restart rewrites what the getters read.
type Node struct {
	t    testing.TB
	opts options
	cfg  server.Config // ports filled in after the first start
	log  *testLogWriter

	mu     sync.Mutex
	srv    *server.Node // nil while stopped
	failed chan error   // the running node's Wait result
}

// Start starts a single-node cluster (broker and controller, node 1) and
// returns once it serves clients. It fails the test if the node does not
// start or become ready in time, and registers Close with t.Cleanup.
func Start(t testing.TB, opts ...Option) *Node {
	t.Helper()
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.logDir == "" {
		o.logDir = t.TempDir()
	}
	cfg, err := buildConfig(o)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	n := &Node{t: t, opts: o, cfg: cfg, log: &testLogWriter{t: t}}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("servertest: close node: %v", err)
		}
		n.log.stop()
	})
	if err := n.start(); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	return n
}

// buildConfig is the node's configuration: server.Default() on loopback
// listeners with OS-chosen ports, the options' log dir and overrides.
func buildConfig(o options) (server.Config, error) {
	cfg := server.Default()
	cfg.Listeners = []server.Listener{
		{Name: ClientListener, Host: "127.0.0.1", SecurityProtocol: "PLAINTEXT"},
		{Name: ControllerListener, Host: "127.0.0.1", SecurityProtocol: "PLAINTEXT"},
	}
	cfg.AdvertisedListeners = []server.Listener{{Name: ClientListener, Host: "127.0.0.1", SecurityProtocol: "PLAINTEXT"}}
	cfg.ControllerQuorumVoters = []server.Voter{{ID: cfg.NodeID, Host: "127.0.0.1"}}
	cfg.LogDirs = []string{o.logDir}
	cfg.HTTPListener = "127.0.0.1:0"
	if o.noHTTP {
		cfg.HTTPListener = ""
	}
	for _, k := range slices.Sorted(maps.Keys(o.overrides)) {
		if structuralKeys[k] {
			return cfg, fmt.Errorf("override %s: the test node sets this key itself", k)
		}
		cfg.Props[k] = o.overrides[k]
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// start runs a server.Node on n.cfg and waits until it is ready. After the
// first start it pins the ports the OS chose, so a restart binds them again.
func (n *Node) start() error {
	srv, err := server.Start(context.Background(), cloneConfig(n.cfg), n.logger())
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	failed := make(chan error, 1)
	go func() { failed <- srv.Wait() }()
	n.mu.Lock()
	n.srv, n.failed = srv, failed
	n.mu.Unlock()
	if err := n.pinPorts(srv); err != nil {
		return err
	}
	return waitReady(srv, failed, n.opts.readyTimeout)
}

func (n *Node) logger() zerolog.Logger {
	if n.opts.logger != nil {
		return *n.opts.logger
	}
	w := zerolog.ConsoleWriter{Out: n.log, NoColor: true, TimeFormat: "15:04:05.000"}
	return zerolog.New(w).Level(n.opts.logLevel).With().Timestamp().Logger()
}

// waitReady polls Ready until it is nil, the node fails, or timeout passes.
func waitReady(srv *server.Node, failed <-chan error, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if srv.Ready() == nil {
			return nil
		}
		select {
		case err := <-failed:
			return fmt.Errorf("node stopped before it was ready: %v", err)
		case <-deadline.C:
			return fmt.Errorf("node not ready after %v: %v", timeout, srv.Ready())
		case <-tick.C:
		}
	}
}

func (n *Node) pinPorts(srv *server.Node) error {
	for i, l := range n.cfg.Listeners {
		port, err := portOf(srv.Addr(l.Name))
		if err != nil {
			return fmt.Errorf("listener %s: %w", l.Name, err)
		}
		n.cfg.Listeners[i].Port = port
		for j, a := range n.cfg.AdvertisedListeners {
			if a.Name == l.Name {
				n.cfg.AdvertisedListeners[j].Port = port
			}
		}
		if l.Name == ControllerListener {
			n.cfg.ControllerQuorumVoters[0].Port = port
		}
	}
	if n.cfg.HTTPListener != "" {
		n.cfg.HTTPListener = srv.HTTPAddr()
	}
	return nil
}

func portOf(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

// cloneConfig copies cfg deeply enough that server.Start, which fills in
// ports, cannot change the test's copy.
func cloneConfig(cfg server.Config) server.Config {
	c := cfg
	c.Listeners = slices.Clone(cfg.Listeners)
	c.AdvertisedListeners = slices.Clone(cfg.AdvertisedListeners)
	c.ControllerQuorumVoters = slices.Clone(cfg.ControllerQuorumVoters)
	c.LogDirs = slices.Clone(cfg.LogDirs)
	c.Props = maps.Clone(cfg.Props)
	return c
}

// Server is the running server.Node (nil while stopped).
func (n *Node) Server() *server.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.srv
}

// Config is the node's configuration, with the ports it bound.
func (n *Node) Config() server.Config { return cloneConfig(n.cfg) }

// Addr is the client (PLAINTEXT) listener's host:port.
func (n *Node) Addr() string { return n.listenerAddr(ClientListener) }

// ControllerAddr is the controller listener's host:port.
func (n *Node) ControllerAddr() string { return n.listenerAddr(ControllerListener) }

func (n *Node) listenerAddr(name string) string {
	for _, l := range n.cfg.Listeners {
		if l.Name == name {
			return l.Addr()
		}
	}
	return ""
}

// HTTPAddr is the host:port of /metrics, /healthz and /readyz ("" with
// WithoutHTTP).
func (n *Node) HTTPAddr() string { return n.cfg.HTTPListener }

// LogDir is the node's log dir.
func (n *Node) LogDir() string { return n.opts.logDir }

// ClusterID is the cluster id the node formatted or found in its log dir.
func (n *Node) ClusterID() string {
	if srv := n.Server(); srv != nil {
		return srv.ClusterID()
	}
	return ""
}

// Client returns a kgo client seeded at the node, closed at cleanup. opts
// come after the seed, so they may add to or replace it.
func (n *Node) Client(opts ...kgo.Opt) *kgo.Client {
	n.t.Helper()
	all := append([]kgo.Opt{kgo.SeedBrokers(n.Addr())}, opts...)
	cl, err := kgo.NewClient(all...)
	if err != nil {
		n.t.Fatalf("servertest: new client: %v", err)
	}
	n.t.Cleanup(cl.Close)
	return cl
}

// Admin returns a kadm client over a new Client(opts...).
func (n *Node) Admin(opts ...kgo.Opt) *kadm.Client {
	n.t.Helper()
	return kadm.NewClient(n.Client(opts...))
}

// Restart stops the node cleanly and starts it again on the same log dir
// and ports; it fails the test if either step fails.
func (n *Node) Restart() {
	n.t.Helper()
	if err := n.Close(); err != nil {
		n.t.Fatalf("servertest: restart: close: %v", err)
	}
	if err := n.start(); err != nil {
		n.t.Fatalf("servertest: restart: %v", err)
	}
}

// Close stops the node cleanly and returns what stopping it returned, or
// the fatal error it had stopped with. Closing a stopped node does nothing.
//
// server.Node treats its client listener's wire.ErrServerClosed as a fatal
// error, so after a clean Close its Wait reports it (a bug, see
// TestCleanCloseIsNotAFailure); Close ignores that one error.
func (n *Node) Close() error {
	n.mu.Lock()
	srv, failed := n.srv, n.failed
	n.srv, n.failed = nil, nil
	n.mu.Unlock()
	if srv == nil {
		return nil
	}
	closeErr := srv.Close()
	if waitErr := <-failed; waitErr != nil && !errors.Is(waitErr, wire.ErrServerClosed) {
		return fmt.Errorf("node had failed: %w", waitErr)
	}
	return closeErr
}

// testLogWriter sends the node's log to t.Logf until the test's cleanup
// stops it: a goroutine that logs after the test ended must not panic.
type testLogWriter struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Logf("%s", trimNewline(p))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

func trimNewline(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}
