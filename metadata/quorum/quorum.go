package quorum

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/rs/zerolog"
	"go.etcd.io/bbolt"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

var (
	// ErrNotLeader matches *NotLeaderError.
	ErrNotLeader = errors.New("not the metadata quorum leader")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("metadata quorum closed")
)

// NotLeaderError is returned by leader-only calls on another node. Kafka
// clients of the controller map it to NOT_CONTROLLER.
type NotLeaderError struct {
	LeaderID    int32 // the current leader, if LeaderKnown
	LeaderKnown bool
}

func (e *NotLeaderError) Error() string {
	if e.LeaderKnown {
		return fmt.Sprintf("not the metadata quorum leader (leader is node %d)", e.LeaderID)
	}
	return "not the metadata quorum leader (no leader known)"
}

// Is makes errors.Is(err, ErrNotLeader) match.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }

// ProposeResult is where a committed entry landed in the log.
type ProposeResult struct {
	Index int64  // the entry's offset; the image reflects it once applied
	Term  uint64 // the term (controller epoch) it was written in
}

// Quorum is one node of the `@metadata` Raft quorum.
type Quorum struct {
	cfg    Config
	log    zerolog.Logger
	raft   *raft.Raft
	fsm    *fsm
	store  *raftboltdb.BoltStore
	stream *streamLayer

	wg        sync.WaitGroup // subscription goroutines and proposal waiters
	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// Open starts the node: it opens (creating if needed) the stores under
// cfg.Dir, restores the latest snapshot, bootstraps the configured voters
// if the log is empty and this node is a voter, and starts Raft. It takes
// ownership of rpcListener (closed by Close), whose connections must have
// had Preface consumed. Open does not wait for a leader: see WaitReady.
func Open(cfg Config, rpcListener net.Listener, logger zerolog.Logger) (*Quorum, error) {
	if err := cfg.Validate(); err != nil {
		rpcListener.Close()
		return nil, err
	}
	q := &Quorum{
		cfg:    cfg,
		log:    logger.With().Str("component", "metadata.quorum").Int32("node", cfg.NodeID).Logger(),
		closed: make(chan struct{}),
	}
	q.fsm = newFSM(cfg.ClusterID, q.log, q.startSubscription)
	q.stream = newStreamLayer(rpcListener, cfg.advertisedAddr())
	if err := q.start(); err != nil {
		q.stream.Close()
		if q.store != nil {
			q.store.Close()
		}
		return nil, err
	}
	return q, nil
}

func (q *Quorum) start() error {
	cfg := q.cfg
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create metadata dir: %w", err)
	}
	store, err := raftboltdb.New(raftboltdb.Options{
		Path: filepath.Join(cfg.Dir, "raft.db"),
		// Another process holding the file fails fast instead of hanging.
		BoltOptions: &bbolt.Options{Timeout: time.Second},
	})
	if err != nil {
		return fmt.Errorf("open raft log %s: %w", filepath.Join(cfg.Dir, "raft.db"), err)
	}
	q.store = store
	hlog := newHCLogAdapter(q.log.With().Str("component", "raft").Logger())
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, cfg.RetainSnapshots, hlog.Named("snapshots"))
	if err != nil {
		return fmt.Errorf("open snapshot store: %w", err)
	}
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  q.stream,
		MaxPool: 3,
		Timeout: cfg.TransportTimeout,
		Logger:  hlog.Named("net"),
	})
	rc := q.raftConfig(hlog)
	if err := q.bootstrap(rc, store, snaps, trans); err != nil {
		trans.Close()
		return err
	}
	logs, err := raft.NewLogCache(512, store)
	if err != nil {
		trans.Close()
		return fmt.Errorf("raft log cache: %w", err)
	}
	r, err := raft.NewRaft(rc, q.fsm, logs, store, snaps, trans)
	if err != nil {
		trans.Close()
		return fmt.Errorf("start raft: %w", err)
	}
	q.raft = r
	q.log.Info().Str("dir", cfg.Dir).Str("voters", FormatVoters(cfg.Voters)).Bool("voter", cfg.Voter).
		Int64("offset", q.fsm.image.Load().Offset()).Msg("metadata quorum started")
	return nil
}

func (q *Quorum) raftConfig(hlog hclog.Logger) *raft.Config {
	cfg := q.cfg
	rc := raft.DefaultConfig()
	rc.LocalID = serverID(cfg.NodeID)
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	if len(cfg.Voters) == 1 && cfg.Voter {
		// Nobody else can be leader, so waiting to hear from one only
		// delays startup.
		rc.HeartbeatTimeout = min(rc.HeartbeatTimeout, SingleVoterTimeout)
		rc.ElectionTimeout = min(rc.ElectionTimeout, SingleVoterTimeout)
		rc.LeaderLeaseTimeout = min(rc.LeaderLeaseTimeout, rc.HeartbeatTimeout)
	}
	rc.CommitTimeout = cfg.CommitTimeout
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.TrailingLogs = cfg.TrailingLogs
	rc.MaxAppendEntries = cfg.MaxAppendEntries
	rc.Logger = hlog
	rc.NoLegacyTelemetry = true
	return rc
}

// bootstrap writes the initial configuration (all configured voters) into
// an empty log. Every voter doing so with the same list is safe: the first
// leader's log wins and the configurations agree.
func (q *Quorum) bootstrap(rc *raft.Config, store *raftboltdb.BoltStore, snaps raft.SnapshotStore, trans raft.Transport) error {
	if !q.cfg.Voter {
		return nil
	}
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		return fmt.Errorf("inspect raft state: %w", err)
	}
	if existing {
		return nil
	}
	var servers []raft.Server
	for _, v := range q.cfg.Voters {
		servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: serverID(v.ID), Address: raft.ServerAddress(v.Addr)})
	}
	q.log.Info().Str("voters", FormatVoters(q.cfg.Voters)).Msg("bootstrapping empty metadata log")
	if err := raft.BootstrapCluster(rc, store, store, snaps, trans, raft.Configuration{Servers: servers}); err != nil {
		return fmt.Errorf("bootstrap metadata quorum: %w", err)
	}
	return nil
}

func serverID(id int32) raft.ServerID { return raft.ServerID(strconv.Itoa(int(id))) }

func parseServerID(id raft.ServerID) (int32, bool) {
	n, err := strconv.ParseInt(string(id), 10, 32)
	return int32(n), err == nil
}

func (q *Quorum) startSubscription(s *Subscription) {
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		s.run()
	}()
}

// Image returns the current image (lock-free; never nil).
func (q *Quorum) Image() *image.Image { return q.fsm.image.Load() }

// Subscribe returns a new subscription to applied deltas (see
// Subscription). It returns ErrClosed after Close.
func (q *Quorum) Subscribe() (*Subscription, error) { return q.fsm.subscribe() }

// Leader returns the current leader's node id, if one is known.
func (q *Quorum) Leader() (int32, bool) {
	_, id := q.raft.LeaderWithID()
	if id == "" {
		return -1, false
	}
	return parseServerID(id)
}

// IsLeader reports whether this node is the leader (the active controller).
func (q *Quorum) IsLeader() bool { return q.raft.State() == raft.Leader }

// Term is the current Raft term: the controller epoch.
func (q *Quorum) Term() uint64 { return q.raft.CurrentTerm() }

// AppliedIndex is the index of the last entry applied on this node (any
// kind of entry, not only metadata records).
func (q *Quorum) AppliedIndex() uint64 { return q.raft.AppliedIndex() }

func (q *Quorum) notLeader() error {
	id, ok := q.Leader()
	return &NotLeaderError{LeaderID: id, LeaderKnown: ok}
}

// Propose appends records as one entry and waits until it is committed
// and applied on this node. It must be called on the leader. If the image
// rejects the entry, Propose returns that error (an *image.ApplyError) and
// nothing changed. If ctx ends first, Propose returns ctx.Err() and the
// entry may or may not commit later; if leadership is lost while waiting
// it returns *NotLeaderError and the outcome is likewise unknown.
func (q *Quorum) Propose(ctx context.Context, records []record.Record) (ProposeResult, error) {
	if err := q.checkOpen(); err != nil {
		return ProposeResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return ProposeResult{}, err
	}
	if !q.IsLeader() {
		return ProposeResult{}, q.notLeader()
	}
	f := q.raft.Apply(record.Encode(records), enqueueTimeout(ctx))
	if err := q.wait(ctx, f); err != nil {
		return ProposeResult{}, err
	}
	res, ok := f.Response().(applyResult)
	if !ok {
		return ProposeResult{}, fmt.Errorf("unexpected apply response %T", f.Response())
	}
	return ProposeResult{Index: res.index, Term: res.term}, res.err
}

// enqueueTimeout bounds how long Apply may wait to hand the entry to Raft.
func enqueueTimeout(ctx context.Context) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return max(time.Until(deadline), time.Millisecond)
	}
	return 0
}

// wait waits for a Raft future while honouring ctx. The helper goroutine
// always ends: Raft resolves every future, at the latest on shutdown.
func (q *Quorum) wait(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		done <- f.Error()
	}()
	select {
	case err := <-done:
		return q.raftError(err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q *Quorum) raftError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return q.notLeader()
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
	}
	return err
}

func (q *Quorum) checkOpen() error {
	select {
	case <-q.closed:
		return ErrClosed
	default:
		return nil
	}
}

// readyPoll is how often WaitReady re-checks; readiness is awaited at
// startup and after elections, not on any hot path.
const readyPoll = 5 * time.Millisecond

// WaitReady waits until a leader is known and this node has applied
// everything committed before it became ready: on the leader, a Raft
// barrier (so the image includes every entry of earlier terms); on a
// follower, its applied index reaching the commit index it has learned.
func (q *Quorum) WaitReady(ctx context.Context) error {
	ticker := time.NewTicker(readyPoll)
	defer ticker.Stop()
	for {
		if err := q.checkOpen(); err != nil {
			return err
		}
		if _, ok := q.Leader(); ok {
			if q.IsLeader() {
				err := q.wait(ctx, q.raft.Barrier(enqueueTimeout(ctx)))
				if err == nil || !errors.Is(err, ErrNotLeader) {
					return err
				}
			} else if commit := q.raft.CommitIndex(); commit > 0 && q.raft.AppliedIndex() >= commit {
				return nil
			}
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return fmt.Errorf("wait for metadata quorum: %w", ctx.Err())
		case <-q.closed:
			return ErrClosed
		}
	}
}

// Snapshot forces a snapshot now (normally Raft takes them every
// SnapshotThreshold entries).
func (q *Quorum) Snapshot() error {
	if err := q.checkOpen(); err != nil {
		return err
	}
	return q.raftError(q.raft.Snapshot().Error())
}

// AddObserver adds a broker-only node as a non-voting member that
// replicates and applies the log. Leader only.
func (q *Quorum) AddObserver(ctx context.Context, id int32, addr string) error {
	if err := q.checkOpen(); err != nil {
		return err
	}
	if !q.IsLeader() {
		return q.notLeader()
	}
	return q.wait(ctx, q.raft.AddNonvoter(serverID(id), raft.ServerAddress(addr), 0, enqueueTimeout(ctx)))
}

// Stats is the quorum's state as `skiff cluster quorum` shows it (Kafka's
// kafka-metadata-quorum.sh describe --status).
type Stats struct {
	NodeID        int32
	State         string // Leader, Follower, Candidate, Shutdown
	LeaderID      int32  // -1 if unknown
	LeaderEpoch   uint64 // the Raft term
	HighWatermark uint64 // the commit index
	AppliedIndex  uint64
	LastLogIndex  uint64
	ImageOffset   int64 // offset of the last metadata entry in the image
	LastContact   time.Time
	Voters        []Voter
	Observers     []Voter
}

// Stats returns the node's view of the quorum.
func (q *Quorum) Stats() (Stats, error) {
	s := Stats{
		NodeID:        q.cfg.NodeID,
		State:         q.raft.State().String(),
		LeaderID:      -1,
		LeaderEpoch:   q.raft.CurrentTerm(),
		HighWatermark: q.raft.CommitIndex(),
		AppliedIndex:  q.raft.AppliedIndex(),
		LastLogIndex:  q.raft.LastIndex(),
		ImageOffset:   q.Image().Offset(),
		LastContact:   q.raft.LastContact(),
	}
	if id, ok := q.Leader(); ok {
		s.LeaderID = id
	}
	f := q.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return s, q.raftError(err)
	}
	for _, srv := range f.Configuration().Servers {
		id, ok := parseServerID(srv.ID)
		if !ok {
			continue
		}
		m := Voter{ID: id, Addr: string(srv.Address)}
		if srv.Suffrage == raft.Voter {
			s.Voters = append(s.Voters, m)
		} else {
			s.Observers = append(s.Observers, m)
		}
	}
	return s, nil
}

// Close shuts Raft down, ends every subscription, waits for all
// goroutines and closes the stores. Safe to call more than once.
func (q *Quorum) Close() error {
	q.closeOnce.Do(func() {
		close(q.closed)
		// Shutdown's future also closes the transport, which closes the
		// listener and every Raft connection.
		err := q.raft.Shutdown().Error()
		q.fsm.closeSubscriptions()
		q.wg.Wait()
		q.closeErr = errors.Join(err, q.store.Close())
		q.log.Info().Msg("metadata quorum stopped")
	})
	return q.closeErr
}
