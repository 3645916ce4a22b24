package replication

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/metadata/config"
	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// Manager hosts this broker's partitions. It applies metadata deltas in
// commit order (starting partitions assigned here, stopping and deleting
// those that leave) and then publishes the image, so what the broker tells
// clients (Metadata) never runs ahead of what it serves.
type Manager struct {
	cfg     Config
	logs    *log.Manager
	logger  zerolog.Logger
	metrics *metrics

	mu struct {
		sync.RWMutex
		partitions map[partitionKey]*Partition
	}

	published atomic.Pointer[image.Image]
	// publishedCh is closed and replaced on every publish, waking
	// WaitPublished callers.
	publishedMu sync.Mutex
	publishedCh chan struct{}
}

type partitionKey struct {
	topic string
	index int32
}

// NewManager returns a Manager that stores partitions in logs. It publishes
// the empty image of clusterID until the first delta arrives.
func NewManager(cfg Config, logs *log.Manager, clusterID string, logger zerolog.Logger, reg prometheus.Registerer) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("replication config: %w", err)
	}
	m := &Manager{
		cfg:         Config{NodeID: cfg.NodeID, BrokerStatic: cloneProps(cfg.BrokerStatic)},
		logs:        logs,
		logger:      logger.With().Str("component", "replication").Logger(),
		publishedCh: make(chan struct{}),
	}
	m.mu.partitions = make(map[partitionKey]*Partition)
	m.published.Store(image.New(clusterID))
	met, err := newMetrics(reg, m)
	if err != nil {
		return nil, err
	}
	m.metrics = met
	return m, nil
}

// Image is the last published image: every partition it assigns to this
// broker is started.
func (m *Manager) Image() *image.Image { return m.published.Load() }

// WaitPublished blocks until the published image reaches offset or ctx ends.
func (m *Manager) WaitPublished(ctx context.Context, offset int64) error {
	for {
		m.publishedMu.Lock()
		ch := m.publishedCh
		m.publishedMu.Unlock()
		if m.published.Load().Offset() >= offset {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for metadata offset %d (published %d): %w", offset, m.published.Load().Offset(), ctx.Err())
		}
	}
}

// Partition returns the hosted partition, or ErrUnknownTopicOrPartition if
// the published image has no such partition, or ErrNotLeader if it exists
// but is not hosted here (another broker's replica).
func (m *Manager) Partition(topic string, index int32) (*Partition, error) {
	m.mu.RLock()
	p, ok := m.mu.partitions[partitionKey{topic, index}]
	m.mu.RUnlock()
	if ok {
		return p, nil
	}
	if _, ok := m.Image().Partition(topic, index); ok {
		return nil, ErrNotLeader
	}
	return nil, ErrUnknownTopicOrPartition
}

// PartitionByID is Partition for requests that name topics by id (Fetch v13+).
func (m *Manager) PartitionByID(id record.UUID, index int32) (*Partition, error) {
	t, ok := m.Image().TopicByID(id)
	if !ok {
		return nil, ErrUnknownTopicID
	}
	return m.Partition(t.Name(), index)
}

// Counts reports how many partitions this broker hosts and leads.
func (m *Manager) Counts() (hosted, leading, underReplicated int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, p := range m.mu.partitions {
		hosted++
		if st := p.state.Load(); st.leader == m.cfg.NodeID {
			leading++
			if len(st.isr) < len(st.replicas) {
				underReplicated++
			}
		}
	}
	return hosted, leading, underReplicated
}

// Apply makes the hosted partitions match d.Image and then publishes it.
// Deltas must arrive in commit order; Apply is not safe for concurrent use
// (the quorum delivers deltas on one goroutine). A partition whose log
// cannot be opened is logged and left out (clients get
// NOT_LEADER_OR_FOLLOWER); the image is still published, so one bad disk
// does not stop metadata.
func (m *Manager) Apply(d *image.Delta) error {
	var errs []error
	values := make(topicValuesCache)
	for _, pd := range d.Partitions {
		if err := m.applyPartition(d, pd, values); err != nil {
			errs = append(errs, err)
		}
	}
	m.applyConfigs(d)
	m.publish(d.Image)
	return errors.Join(errs...)
}

// topicValuesCache resolves each topic's configs once per delta: a new
// topic's thousands of partitions share them.
type topicValuesCache map[string]config.TopicValues

func (m *Manager) applyPartition(d *image.Delta, pd image.PartitionDelta, values topicValuesCache) error {
	key := partitionKey{pd.Topic, pd.Partition}
	hostedNow := pd.New != nil && pd.New.HasReplica(m.cfg.NodeID)
	m.mu.RLock()
	p, hosted := m.mu.partitions[key]
	m.mu.RUnlock()
	switch {
	case hostedNow && hosted:
		p.setState(pd.New)
		return nil
	case hostedNow:
		tv, ok := values[pd.Topic]
		if !ok {
			tv = m.cfg.topicValues(d.Image.TopicConfigs(pd.Topic))
			values[pd.Topic] = tv
		}
		return m.startPartition(pd, tv)
	case hosted:
		return m.removePartition(key, p)
	}
	return nil
}

func (m *Manager) startPartition(pd image.PartitionDelta, tv config.TopicValues) error {
	l, err := m.logs.GetOrCreate(pd.Topic, pd.Partition, pd.TopicID, logConfig(tv))
	if err != nil {
		m.logger.Error().Err(err).Str("topic", pd.Topic).Int32("partition", pd.Partition).Msg("cannot open partition log; not serving it")
		return fmt.Errorf("start %s-%d: %w", pd.Topic, pd.Partition, err)
	}
	p := newPartition(pd.Topic, pd.New, m.cfg.NodeID, l, tv, m.logger)
	m.mu.Lock()
	m.mu.partitions[partitionKey{pd.Topic, pd.Partition}] = p
	m.mu.Unlock()
	return nil
}

// removePartition stops a partition this broker no longer hosts (its topic
// was deleted or it was reassigned) and deletes its log.
func (m *Manager) removePartition(key partitionKey, p *Partition) error {
	m.mu.Lock()
	delete(m.mu.partitions, key)
	m.mu.Unlock()
	p.appendMu.Lock()
	p.stop()
	p.appendMu.Unlock()
	if err := m.logs.Remove(key.topic, key.index); err != nil {
		return fmt.Errorf("remove %s-%d: %w", key.topic, key.index, err)
	}
	return nil
}

// applyConfigs hands changed topic configs to that topic's partitions.
// Broker-level dynamic configs do not exist yet.
func (m *Manager) applyConfigs(d *image.Delta) {
	changed := make(map[string]bool)
	for _, c := range d.Configs {
		if c.ResourceType == record.ResourceTopic {
			changed[c.ResourceName] = true
		}
	}
	for topic := range changed {
		t, ok := d.Image.Topic(topic)
		if !ok {
			continue
		}
		tv := m.cfg.topicValues(d.Image.TopicConfigs(topic))
		for ip := range t.Partitions() {
			m.mu.RLock()
			p, ok := m.mu.partitions[partitionKey{topic, ip.ID}]
			m.mu.RUnlock()
			if ok {
				p.setValues(tv)
			}
		}
	}
}

func (m *Manager) publish(img *image.Image) {
	m.published.Store(img)
	m.publishedMu.Lock()
	close(m.publishedCh)
	m.publishedCh = make(chan struct{})
	m.publishedMu.Unlock()
}

// RemoveStale deletes logs found on disk at start that the published image
// does not assign to this broker (their topic was deleted while the broker
// was down). Call it once, and only after the published image has caught
// up with the metadata log (e.g. once this broker's new registration, which
// is committed after every older entry, is published). Earlier, the image
// may still be replaying the log — after a restart the first delta is only
// the snapshot, or empty — and every partition created since would be
// deleted with its data.
func (m *Manager) RemoveStale() {
	img := m.Image()
	for _, ref := range m.logs.Existing() {
		if p, ok := img.Partition(ref.Topic, ref.Partition); ok && p.HasReplica(m.cfg.NodeID) {
			continue
		}
		m.logger.Info().Str("topic", ref.Topic).Int32("partition", ref.Partition).Msg("deleting log of a partition no longer assigned here")
		if err := m.logs.Remove(ref.Topic, ref.Partition); err != nil {
			m.logger.Warn().Err(err).Str("topic", ref.Topic).Int32("partition", ref.Partition).Msg("delete stale log")
		}
	}
}

// Close stops every partition, waking anything waiting on them. The log
// manager, which owns the files, is closed by its owner afterwards.
func (m *Manager) Close() {
	m.mu.Lock()
	parts := m.mu.partitions
	m.mu.partitions = make(map[partitionKey]*Partition)
	m.mu.Unlock()
	for _, p := range parts {
		p.stop()
	}
}
