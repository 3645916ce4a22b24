package quorum

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// applyResult is what FSM.Apply returns to the proposer's future.
type applyResult struct {
	index int64
	term  uint64
	err   error // the entry was rejected (image.ApplyError or a decode error)
}

// fsm is the raft.FSM. hashicorp calls Apply, Snapshot and Restore from one
// goroutine; Persist of a taken snapshot runs concurrently with Apply.
type fsm struct {
	clusterID string
	log       zerolog.Logger
	image     atomic.Pointer[image.Image]

	// pubMu orders image swaps with delta publication and subscription, so
	// a subscriber sees every delta exactly once, in order, and its first
	// delta ends at the image its second one starts from.
	pubMu    sync.Mutex
	subs     map[*Subscription]struct{}
	startSub func(*Subscription) // starts a subscription's goroutine
	closed   bool
}

func newFSM(clusterID string, log zerolog.Logger, start func(*Subscription)) *fsm {
	f := &fsm{clusterID: clusterID, log: log, subs: map[*Subscription]struct{}{}, startSub: start}
	f.image.Store(image.New(clusterID))
	return f
}

// Apply implements raft.FSM.
func (f *fsm) Apply(l *raft.Log) any {
	index, term := int64(l.Index), l.Term
	f.pubMu.Lock()
	defer f.pubMu.Unlock()
	cur := f.image.Load()
	records, err := record.Decode(l.Data)
	if err != nil {
		f.log.Error().Err(err).Int64("offset", index).Msg("skipping metadata entry that does not decode")
		f.advance(cur, index, term)
		return applyResult{index: index, term: term, err: fmt.Errorf("decode entry %d: %w", index, err)}
	}
	next, delta, err := cur.Apply(index, term, records)
	if err != nil {
		f.log.Debug().Err(err).Int64("offset", index).Msg("rejected metadata entry")
		f.advance(cur, index, term)
		return applyResult{index: index, term: term, err: err}
	}
	f.image.Store(next)
	f.publishLocked(delta)
	return applyResult{index: index, term: term}
}

// advance moves the image's offset past an entry that changed nothing and
// publishes the empty delta, so subscribers' images track every offset.
func (f *fsm) advance(cur *image.Image, index int64, term uint64) {
	next := cur.Advance(index, term)
	f.image.Store(next)
	f.publishLocked(&image.Delta{Prev: cur, Image: next})
}

func (f *fsm) publishLocked(d *image.Delta) {
	for s := range f.subs {
		s.push(d)
	}
}

// subscribe registers a subscription whose first delta is from the empty
// image to the current one.
func (f *fsm) subscribe() (*Subscription, error) {
	f.pubMu.Lock()
	defer f.pubMu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	cur := f.image.Load()
	s := newSubscription(f, image.Diff(image.New(f.clusterID), cur))
	f.subs[s] = struct{}{}
	f.startSub(s)
	return s, nil
}

func (f *fsm) unsubscribe(s *Subscription) {
	f.pubMu.Lock()
	delete(f.subs, s)
	f.pubMu.Unlock()
}

// closeSubscriptions ends every subscription and refuses new ones.
func (f *fsm) closeSubscriptions() {
	f.pubMu.Lock()
	f.closed = true
	subs := make([]*Subscription, 0, len(f.subs))
	for s := range f.subs {
		subs = append(subs, s)
	}
	f.pubMu.Unlock()
	for _, s := range subs {
		s.Close()
	}
}

// Snapshot implements raft.FSM: it captures the immutable image; the
// expensive part happens in Persist, concurrently with new applies.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{img: f.image.Load()}, nil
}

// Restore implements raft.FSM: it replaces the image with the snapshot's
// and publishes the difference.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	restored, err := readSnapshot(rc, f.clusterID)
	if err != nil {
		return fmt.Errorf("restore metadata snapshot: %w", err)
	}
	f.pubMu.Lock()
	defer f.pubMu.Unlock()
	prev := f.image.Load()
	f.image.Store(restored)
	f.publishLocked(image.Diff(prev, restored))
	f.log.Info().Int64("offset", restored.Offset()).Uint64("term", restored.Term()).
		Int("topics", restored.NumTopics()).Int("partitions", restored.NumPartitions()).
		Msg("restored metadata image from snapshot")
	return nil
}

type fsmSnapshot struct{ img *image.Image }

// Persist implements raft.FSMSnapshot.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := writeSnapshot(sink, s.img); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist metadata snapshot at %d: %w", s.img.Offset(), err)
	}
	return sink.Close()
}

// Release implements raft.FSMSnapshot.
func (s *fsmSnapshot) Release() {}
