package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/metadata/config"
	"github.com/skiffhq/skiff/metadata/controller"
	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/replication"
	"github.com/skiffhq/skiff/wire"
	"github.com/skiffhq/skiff/wire/kafkaapi"
)

// Node is a running Skiff node: storage, the metadata quorum and controller,
// the partitions it hosts, and its listeners. Start it with Start; it runs
// until Close or a fatal error, which Wait returns.
type Node struct {
	cfg       Config
	logger    zerolog.Logger
	clusterID string
	registry  *prometheus.Registry

	locks     []*dirLock
	listeners map[string]net.Listener // by listener name, bound at start
	http      *HTTPServer
	mux       *wire.Mux
	quorum    *quorum.Quorum
	ctrl      *controller.Controller
	logs      *log.Manager
	parts     *replication.Manager
	wire      *wire.Server
	lifecycle *brokerLifecycle

	ctx    context.Context // cancelled by Close: stops every goroutine below
	cancel context.CancelFunc
	wg     sync.WaitGroup

	notReady  atomic.Pointer[string] // why the node does not serve clients; nil = ready
	started   atomic.Bool            // Start completed (a failed start stops, but not "cleanly")
	caughtUp  chan struct{}          // closed once the published image holds every entry committed before this start
	done      chan struct{}          // closed when the node has stopped
	closeOnce sync.Once
	mu        struct {
		sync.Mutex
		err error // the first fatal error
	}
}

// Start formats (on first start) and locks the log dirs, binds every
// listener, opens the metadata quorum and the logs, and starts serving. It
// returns once everything is running; the node becomes ready (/readyz) when
// it has registered with the controller and caught up with the metadata
// log, and only then accepts client requests. Any failure before that
// returns an error with everything started so far stopped again.
func Start(ctx context.Context, cfg Config, logger zerolog.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.IsController() {
		return nil, errors.New("process.roles without controller: broker-only nodes (Raft observers) come with multi-node clusters; run broker,controller")
	}
	n := &Node{
		cfg:       cfg,
		logger:    logger.With().Int32("node_id", cfg.NodeID).Logger(),
		registry:  prometheus.NewRegistry(),
		listeners: make(map[string]net.Listener),
		done:      make(chan struct{}),
		caughtUp:  make(chan struct{}),
	}
	n.setNotReady("starting")
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.start(ctx); err != nil {
		n.stop()
		return nil, err
	}
	n.started.Store(true)
	return n, nil
}

func (n *Node) start(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"log dirs", n.prepareStorage},
		{"bind listeners", n.bindListeners},
		{"start http", n.startHTTP},
		{"open logs", n.openLogs},
		{"open metadata quorum", n.openQuorum},
		{"start controller", n.startController},
		{"start partitions", n.startPartitions},
		{"start kafka api", n.startKafkaAPI},
	}
	for _, s := range steps {
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	n.goRun("become ready", n.becomeReady)
	return nil
}

func (n *Node) prepareStorage(context.Context) error {
	res, err := PrepareStorage(n.cfg)
	if err != nil {
		return err
	}
	n.clusterID = res.ClusterID
	n.logger = n.logger.With().Str("cluster_id", n.clusterID).Logger()
	for _, d := range res.Dirs {
		if d.Created {
			n.logger.Info().Str("dir", d.Path).Msg("formatted log dir")
		}
	}
	for _, dir := range n.cfg.StorageDirs() {
		l, err := lockDir(dir)
		if err != nil {
			return err
		}
		n.locks = append(n.locks, l)
	}
	n.lifecycle = newBrokerLifecycle(n, res.Dirs[0].Meta.DirectoryID)
	return nil
}

// bindListeners binds every listener now, so a port in use fails the start
// at once, and fills in ports the OS chose (port 0) wherever they are
// advertised or named as this node's voter address.
func (n *Node) bindListeners(context.Context) error {
	for i, l := range n.cfg.Listeners {
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			return fmt.Errorf("listener %s: %w", l, err)
		}
		n.listeners[l.Name] = ln
		if l.Port == 0 {
			port := ln.Addr().(*net.TCPAddr).Port
			n.cfg.Listeners[i].Port = port
			n.fillPort(l.Name, port)
		}
	}
	for _, l := range n.cfg.AdvertisedListeners {
		n.logger.Info().Str("listener", l.Name).Str("advertised", l.Addr()).Msgf("clients on listener %s will connect to %s", l.Name, l.Addr())
	}
	return nil
}

func (n *Node) fillPort(name string, port int) {
	for i, a := range n.cfg.AdvertisedListeners {
		if a.Name == name && a.Port == 0 {
			n.cfg.AdvertisedListeners[i].Port = port
		}
	}
	if n.isControllerListener(name) {
		for i, v := range n.cfg.ControllerQuorumVoters {
			if v.ID == n.cfg.NodeID && v.Port == 0 {
				n.cfg.ControllerQuorumVoters[i].Port = port
			}
		}
	}
}

func (n *Node) isControllerListener(name string) bool {
	for _, l := range n.cfg.ControllerListeners() {
		if l.Name == name {
			return true
		}
	}
	return false
}

func (n *Node) startHTTP(context.Context) error {
	n.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if n.cfg.HTTPListener == "" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.HTTPListener)
	if err != nil {
		return fmt.Errorf("http listener %s: %w", n.cfg.HTTPListener, err)
	}
	n.http = ServeHTTP(ln, HTTPOptions{Gatherer: n.registry, Ready: n.Ready, Logger: n.logger})
	return nil
}

func (n *Node) openLogs(context.Context) error {
	mc := log.DefaultManagerConfig()
	mc.Dirs = n.cfg.LogDirs
	mc.RetentionCheckInterval = n.cfg.LogRetentionCheckInterval()
	mc.FlushCheckInterval = n.cfg.LogFlushSchedulerInterval()
	mc.CheckpointInterval = n.cfg.LogFlushOffsetCheckpointInterval()
	mc.HighWatermarkCheckpointInterval = n.cfg.ReplicaHighWatermarkCheckpointInterval()
	mc.ProducerIDExpiration = n.cfg.ProducerIDExpiration()
	mc.FileDeleteDelay = time.Duration(n.cfg.TopicDefaults().FileDeleteDelayMs) * time.Millisecond
	logs, err := log.NewManager(mc, n.logger)
	if err != nil {
		return err
	}
	n.logs = logs
	n.goRun("log manager", func(ctx context.Context) error { logs.Run(ctx); return nil })
	return nil
}

func (n *Node) openQuorum(context.Context) error {
	ctrlName := n.cfg.ControllerListeners()[0].Name
	n.mux = wire.NewMux(n.listeners[ctrlName], n.logger)
	raftLn := n.mux.Route(quorum.Preface)
	n.goRun("controller listener", func(context.Context) error { return ignoreClosed(n.mux.Serve()) })
	n.goRun("controller rpc refusal", func(ctx context.Context) error { refuseConns(ctx, n.mux.Default(), n.logger); return nil })

	qc := quorum.Default()
	qc.NodeID = n.cfg.NodeID
	qc.Dir = n.cfg.MetadataDir()
	qc.ClusterID = n.clusterID
	qc.Voter = true
	qc.Voters = nil
	for _, v := range n.cfg.ControllerQuorumVoters {
		qc.Voters = append(qc.Voters, quorum.Voter{ID: v.ID, Addr: net.JoinHostPort(v.Host, strconv.Itoa(v.Port))})
	}
	q, err := quorum.Open(qc, raftLn, n.logger)
	if err != nil {
		return err
	}
	n.quorum = q
	return nil
}

func (n *Node) startController(context.Context) error {
	cc := controller.Default()
	cc.NodeID = n.cfg.NodeID
	cc.NumPartitions = n.cfg.NumPartitions()
	cc.DefaultReplicationFactor = n.cfg.DefaultReplicationFactor()
	cc.SessionTimeout = n.cfg.BrokerSessionTimeout()
	topics := config.Topics{BrokerStatic: n.cfg.Props}
	cc.ConfigValidator = topics
	c, err := controller.New(cc, n.quorum, n.logger)
	if err != nil {
		return err
	}
	n.ctrl = c
	return nil
}

func (n *Node) startPartitions(context.Context) error {
	rc := replication.Config{NodeID: n.cfg.NodeID, BrokerStatic: n.cfg.Props}
	parts, err := replication.NewManager(rc, n.logs, n.clusterID, n.logger, n.registry)
	if err != nil {
		return err
	}
	n.parts = parts
	sub, err := n.quorum.Subscribe()
	if err != nil {
		return err
	}
	n.goRun("metadata publisher", func(ctx context.Context) error { return n.publishMetadata(ctx, sub) })
	return nil
}

// publishMetadata applies metadata deltas to the hosted partitions in commit
// order, for as long as the node runs. Once the node has caught up with the
// metadata log it deletes logs the image no longer assigns here, on this
// same goroutine so no delta is applied meanwhile. Not before: after a
// restart the first delta holds only the last snapshot (Raft re-applies
// later entries once a leader commits again), and a topic created since
// that snapshot would look deleted.
func (n *Node) publishMetadata(ctx context.Context, sub *quorum.Subscription) error {
	defer sub.Close()
	caughtUp := n.caughtUp
	for {
		select {
		case d, ok := <-sub.C:
			if !ok {
				return nil
			}
			if err := n.parts.Apply(d); err != nil {
				n.logger.Error().Err(err).Int64("offset", d.Image.Offset()).Msg("metadata delta applied with errors")
			}
		case <-caughtUp:
			n.parts.RemoveStale()
			caughtUp = nil
		case <-ctx.Done():
			return nil
		}
	}
}

func (n *Node) startKafkaAPI(context.Context) error {
	kc := kafkaapi.Config{
		NodeID:           n.cfg.NodeID,
		ClusterID:        n.clusterID,
		AutoCreateTopics: n.cfg.AutoCreateTopicsEnable(),
		BrokerStatic:     n.cfg.Props,
		AdminTimeout:     30 * time.Second,
	}
	h, err := kafkaapi.New(kc, kafkaapi.Deps{
		Partitions: n.parts,
		Controller: n.ctrl,
		// The FSM stores the new image before a proposal returns, while
		// raft's applied index moves only after that: read the image.
		MetadataOffset:   func() int64 { return n.quorum.Image().Offset() },
		ActiveController: n.quorum.Leader,
		BrokerEpoch:      n.lifecycle.epoch,
	}, n.logger, n.registry)
	if err != nil {
		return err
	}
	wc := wire.DefaultConfig()
	wc.MaxRequestBytes = n.cfg.SocketRequestMaxBytes()
	wc.IdleTimeout = n.cfg.ConnectionsMaxIdle()
	if mc := n.cfg.MaxConnections(); mc > 0 && mc < int32(^uint32(0)>>1) {
		wc.MaxConnections = int(mc)
	}
	srv, err := wire.NewServer(wc, h, n.logger, n.registry)
	if err != nil {
		return err
	}
	n.wire = srv
	return nil
}

// becomeReady waits for the quorum, registers this broker and waits until
// it is unfenced and has published its own registration; then it opens the
// client listeners.
func (n *Node) becomeReady(ctx context.Context) error {
	n.setNotReady("waiting for the metadata quorum")
	if err := n.quorum.WaitReady(ctx); err != nil {
		return ignoreCancel(ctx, fmt.Errorf("metadata quorum: %w", err))
	}
	n.setNotReady("registering with the controller")
	if err := n.lifecycle.register(ctx); err != nil {
		return ignoreCancel(ctx, err)
	}
	n.goRun("broker heartbeats", n.lifecycle.heartbeatLoop)
	if err := n.lifecycle.waitUnfenced(ctx); err != nil {
		return ignoreCancel(ctx, err)
	}
	// Our own registration is published, so is every entry before it.
	close(n.caughtUp)
	for _, l := range n.cfg.ClientListeners() {
		ln, name := n.listeners[l.Name], l.Name
		n.goRun("listener "+name, func(context.Context) error { return ignoreClosed(n.wire.Serve(ln, name)) })
	}
	n.notReady.Store(nil)
	n.logger.Info().Msg("ready: serving clients")
	return nil
}

// Ready returns nil when the node serves clients, else why not.
func (n *Node) Ready() error {
	if r := n.notReady.Load(); r != nil {
		return errors.New(*r)
	}
	return nil
}

func (n *Node) setNotReady(reason string) { n.notReady.Store(&reason) }

// Addr returns the bound address of the named listener (useful with port
// 0), or "" if there is none.
func (n *Node) Addr(listener string) string {
	if ln, ok := n.listeners[listener]; ok {
		return ln.Addr().String()
	}
	return ""
}

// HTTPAddr returns the bound address of the HTTP endpoints, or "".
func (n *Node) HTTPAddr() string {
	if n.http == nil {
		return ""
	}
	return n.http.Addr().String()
}

// ClusterID is the cluster id from the log dirs' meta.properties.
func (n *Node) ClusterID() string { return n.clusterID }

// Registry is the node's metrics registry.
func (n *Node) Registry() *prometheus.Registry { return n.registry }

// Wait blocks until the node has stopped and returns the fatal error that
// stopped it, or nil after Close.
func (n *Node) Wait() error {
	<-n.done
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mu.err
}

// Close stops the node cleanly: it stops serving clients, tells the
// controller it is shutting down, flushes and checkpoints every log, writes
// the clean-shutdown marker and closes the quorum. It returns the first
// error met while stopping.
func (n *Node) Close() error {
	return n.stop()
}

// goRun runs fn on a goroutine the node waits for at Close. An error from
// fn is fatal: the node stops and Wait returns it.
func (n *Node) goRun(name string, fn func(context.Context) error) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := fn(n.ctx); err != nil {
			n.fail(fmt.Errorf("%s: %w", name, err))
		}
	}()
}

func (n *Node) fail(err error) {
	n.mu.Lock()
	first := n.mu.err == nil
	if first {
		n.mu.err = err
	}
	n.mu.Unlock()
	if first {
		n.logger.Error().Err(err).Msg("node failed; stopping")
		go n.stop() //nolint:errcheck // the error is recorded for Wait
	}
}
