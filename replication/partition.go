package replication

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/metadata/config"
	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// NoLeaderEpoch is what a client sends when it does not know the leader
// epoch (KIP-320): no fencing check is made.
const NoLeaderEpoch int32 = -1

// Partition is one partition hosted on this broker: its log and, as the
// last published image says, who leads it, at which epoch, and which
// replicas are in sync. As leader it maintains the high watermark (the
// minimum log end offset over the ISR) and wakes the requests waiting on it.
type Partition struct {
	topic   string
	index   int32
	topicID record.UUID
	nodeID  int32
	log     *log.Log
	logger  zerolog.Logger

	// appendMu serialises appends: log.Log takes one appender at a time, and
	// the order of appends is the order of the log.
	appendMu sync.Mutex

	// state and values are replaced whole when a new image is published;
	// readers load them without locks.
	state  atomic.Pointer[leadership]
	values atomic.Pointer[config.TopicValues]

	mu struct {
		sync.Mutex
		// followerEnd is each follower's log end offset as its last fetch
		// showed it; the high watermark is the minimum over the ISR.
		followerEnd map[int32]int64
		watchers    map[*Waiter]struct{}
		stopped     bool
	}
}

// leadership is a partition's state from one published image.
type leadership struct {
	leader         int32
	leaderEpoch    int32
	partitionEpoch int32
	replicas       []int32
	isr            []int32
}

func newPartition(topic string, p *image.Partition, nodeID int32, l *log.Log, tv config.TopicValues, logger zerolog.Logger) *Partition {
	part := &Partition{
		topic:   topic,
		index:   p.ID,
		topicID: p.TopicID,
		nodeID:  nodeID,
		log:     l,
		logger:  logger.With().Str("topic", topic).Int32("partition", p.ID).Logger(),
	}
	part.mu.followerEnd = make(map[int32]int64)
	part.mu.watchers = make(map[*Waiter]struct{})
	part.values.Store(&tv)
	part.setState(p)
	return part
}

// Topic is the partition's topic name.
func (p *Partition) Topic() string { return p.topic }

// Index is the partition number.
func (p *Partition) Index() int32 { return p.index }

// TopicID is the id of the partition's topic.
func (p *Partition) TopicID() record.UUID { return p.topicID }

// Log is the partition's log. Callers must not append to it.
func (p *Partition) Log() *log.Log { return p.log }

// Values are the partition's resolved topic configs.
func (p *Partition) Values() config.TopicValues { return *p.values.Load() }

// LeaderEpoch is the current leader epoch.
func (p *Partition) LeaderEpoch() int32 { return p.state.Load().leaderEpoch }

// IsLeader reports whether this broker leads the partition.
func (p *Partition) IsLeader() bool { return p.state.Load().leader == p.nodeID }

// ISR is the in-sync replica set; callers must not modify it.
func (p *Partition) ISR() []int32 { return p.state.Load().isr }

// HighWatermark is the offset below which records are replicated to the
// whole ISR and visible to consumers.
func (p *Partition) HighWatermark() int64 { return p.log.HighWatermark() }

// setState adopts a new published state. Becoming leader restarts follower
// tracking (followers must fetch again to count) and may move the high
// watermark at once (an ISR of one).
func (p *Partition) setState(ip *image.Partition) {
	p.state.Store(&leadership{
		leader:         ip.Leader,
		leaderEpoch:    ip.LeaderEpoch,
		partitionEpoch: ip.PartitionEpoch,
		replicas:       ip.Replicas,
		isr:            ip.ISR,
	})
	p.mu.Lock()
	for id := range p.mu.followerEnd {
		if !slices.Contains(ip.ISR, id) {
			delete(p.mu.followerEnd, id)
		}
	}
	p.mu.Unlock()
	p.maybeAdvanceHighWatermark()
	p.notify()
}

// setValues adopts changed topic configs.
func (p *Partition) setValues(tv config.TopicValues) {
	p.values.Store(&tv)
	if err := p.log.SetConfig(logConfig(tv)); err != nil {
		p.logger.Error().Err(err).Msg("topic config change refused by the log; keeping the old storage settings")
	}
}

// checkLeader verifies this broker leads the partition at the epoch the
// client believes current (KIP-320).
func (p *Partition) checkLeader(currentLeaderEpoch int32) (*leadership, error) {
	st := p.state.Load()
	if err := checkEpoch(st.leaderEpoch, currentLeaderEpoch); err != nil {
		return st, err
	}
	if st.leader != p.nodeID {
		return st, ErrNotLeader
	}
	return st, nil
}

func checkEpoch(ours, theirs int32) error {
	switch {
	case theirs == NoLeaderEpoch || theirs == ours:
		return nil
	case theirs < ours:
		return ErrFencedLeaderEpoch
	default:
		return ErrUnknownLeaderEpoch
	}
}

// Append appends records (the RecordBatch bytes of one Produce partition)
// as leader. With acks=all it first checks that the ISR is at least
// min.insync.replicas, as Kafka does, so nothing is appended that could not
// be acknowledged.
func (p *Partition) Append(records []byte, acks int16) (log.AppendResult, error) {
	p.appendMu.Lock()
	defer p.appendMu.Unlock()
	st, err := p.checkLeader(NoLeaderEpoch)
	if err != nil {
		return log.AppendResult{}, err
	}
	if acks == -1 && int32(len(st.isr)) < p.Values().MinInsyncReplicas {
		return log.AppendResult{}, ErrNotEnoughReplicas
	}
	res, err := p.log.AppendAsLeader(records, st.leaderEpoch)
	if err != nil {
		return res, err
	}
	if !res.Duplicate {
		p.maybeAdvanceHighWatermark()
		p.notify()
	}
	return res, nil
}

// Replicated reports whether offset is below the high watermark, i.e. held
// by every in-sync replica.
func (p *Partition) Replicated(offset int64) bool { return p.HighWatermark() > offset }

// WaitReplicated blocks until offset is below the high watermark (acks=all),
// the partition loses leadership or stops (ErrNotLeader), the ISR shrinks
// below min.insync.replicas (ErrNotEnoughReplicasAfterAppend), or ctx ends
// (ErrReplicationTimeout).
func (p *Partition) WaitReplicated(ctx context.Context, offset int64) error {
	if p.Replicated(offset) {
		return nil
	}
	w := NewWaiter()
	p.Watch(w)
	defer p.Unwatch(w)
	for {
		if p.Replicated(offset) {
			return nil
		}
		st := p.state.Load()
		if st.leader != p.nodeID || p.isStopped() {
			return ErrNotLeader
		}
		if int32(len(st.isr)) < p.Values().MinInsyncReplicas {
			return ErrNotEnoughReplicasAfterAppend
		}
		select {
		case <-w.C():
		case <-ctx.Done():
			return ErrReplicationTimeout
		}
	}
}

// maybeAdvanceHighWatermark moves the high watermark to the minimum log end
// offset over the ISR, if this broker leads and that is higher. It never
// moves the high watermark back: a follower that has not fetched since this
// broker became leader does not count, so the ISR's minimum is only known
// once every member has reported.
func (p *Partition) maybeAdvanceHighWatermark() bool {
	st := p.state.Load()
	if st.leader != p.nodeID {
		return false
	}
	hw := p.log.EndOffset()
	p.mu.Lock()
	for _, id := range st.isr {
		if id == p.nodeID {
			continue
		}
		end, ok := p.mu.followerEnd[id]
		if !ok {
			p.mu.Unlock()
			return false
		}
		hw = min(hw, end)
	}
	p.mu.Unlock()
	if hw <= p.log.HighWatermark() {
		return false
	}
	p.log.SetHighWatermark(hw)
	return true
}

// recordFollowerFetch notes that follower replica fetched from offset, so
// its log end offset is at least that (Kafka's replica state on the
// leader), and moves the high watermark if that lets it.
func (p *Partition) recordFollowerFetch(replica int32, fetchOffset int64) {
	p.mu.Lock()
	p.mu.followerEnd[replica] = fetchOffset
	p.mu.Unlock()
	if p.maybeAdvanceHighWatermark() {
		p.notify()
	}
}

// stop marks the partition stopped and wakes every waiter so it sees that.
func (p *Partition) stop() {
	p.mu.Lock()
	p.mu.stopped = true
	p.mu.Unlock()
	p.notify()
}

func (p *Partition) isStopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.stopped
}
