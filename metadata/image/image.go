package image

import (
	"cmp"
	"encoding/binary"
	"iter"
	"slices"
	"strings"

	"github.com/benbjohnson/immutable"

	"github.com/skiffhq/skiff/metadata/record"
)

// Image is an immutable view of cluster metadata at one log offset. The
// zero value is not usable; start from New.
type Image struct {
	offset    int64
	term      uint64
	clusterID string

	brokers       *immutable.SortedMap[int32, *Broker]
	brokerConfigs *immutable.SortedMap[string, *immutable.SortedMap[string, string]]

	topics     *immutable.SortedMap[string, *Topic] // by name
	topicNames *immutable.Map[record.UUID, string]  // id -> name
	normalized *immutable.Map[string, string]       // collision key -> name

	partitionCount int
	nextProducerID int64
}

// New returns the empty image of a cluster: offset 0, nothing registered.
func New(clusterID string) *Image {
	return &Image{
		clusterID:     clusterID,
		brokers:       immutable.NewSortedMap[int32, *Broker](int32Comparer{}),
		brokerConfigs: immutable.NewSortedMap[string, *immutable.SortedMap[string, string]](stringComparer{}),
		topics:        immutable.NewSortedMap[string, *Topic](stringComparer{}),
		topicNames:    immutable.NewMap[record.UUID, string](uuidHasher{}),
		normalized:    immutable.NewMap[string, string](nil),
	}
}

// Offset is the Raft index of the last entry this image reflects (0 for
// the empty image).
func (img *Image) Offset() int64 { return img.offset }

// Term is the Raft term of the entry at Offset.
func (img *Image) Term() uint64 { return img.term }

// ClusterID is the id of the cluster the image belongs to.
func (img *Image) ClusterID() string { return img.clusterID }

// Advance returns an image with the same content at a later position: the
// quorum uses it for committed entries that changed nothing (rejected or
// empty), so Offset still tracks the log.
func (img *Image) Advance(offset int64, term uint64) *Image {
	next := *img
	next.offset, next.term = offset, term
	return &next
}

// Topic returns the topic with the given name.
func (img *Image) Topic(name string) (*Topic, bool) {
	return img.topics.Get(name)
}

// TopicByID returns the topic with the given id.
func (img *Image) TopicByID(id record.UUID) (*Topic, bool) {
	name, ok := img.topicNames.Get(id)
	if !ok {
		return nil, false
	}
	return img.topics.Get(name)
}

// Topics iterates over all topics in name order.
func (img *Image) Topics() iter.Seq[*Topic] {
	return func(yield func(*Topic) bool) {
		it := img.topics.Iterator()
		for !it.Done() {
			_, t, _ := it.Next()
			if !yield(t) {
				return
			}
		}
	}
}

// NumTopics is the number of topics.
func (img *Image) NumTopics() int { return img.topics.Len() }

// NumPartitions is the number of partitions over all topics.
func (img *Image) NumPartitions() int { return img.partitionCount }

// CollidingTopic returns the existing topic whose name differs from name
// only by '.' versus '_' (Kafka refuses to create such a topic), or the
// topic with exactly that name.
func (img *Image) CollidingTopic(name string) (string, bool) {
	return img.normalized.Get(collisionKey(name))
}

// Partition returns partition p of the named topic.
func (img *Image) Partition(topic string, p int32) (*Partition, bool) {
	t, ok := img.topics.Get(topic)
	if !ok {
		return nil, false
	}
	return t.Partition(p)
}

// Broker returns the registration of broker id.
func (img *Image) Broker(id int32) (*Broker, bool) { return img.brokers.Get(id) }

// Brokers iterates over registered brokers in id order.
func (img *Image) Brokers() iter.Seq[*Broker] {
	return func(yield func(*Broker) bool) {
		it := img.brokers.Iterator()
		for !it.Done() {
			_, b, _ := it.Next()
			if !yield(b) {
				return
			}
		}
	}
}

// NumBrokers is the number of registered brokers, fenced or not.
func (img *Image) NumBrokers() int { return img.brokers.Len() }

// TopicConfigs returns a copy of the named topic's config overrides (not
// defaults), or nil if the topic does not exist or has none.
func (img *Image) TopicConfigs(name string) map[string]string {
	t, ok := img.topics.Get(name)
	if !ok {
		return nil
	}
	return t.Configs()
}

// BrokerConfigs returns a copy of the dynamic broker config overrides for
// resource "" (cluster-wide default) or a decimal broker id.
func (img *Image) BrokerConfigs(resource string) map[string]string {
	m, ok := img.brokerConfigs.Get(resource)
	if !ok {
		return nil
	}
	return toMap(m)
}

// NextProducerID is the first producer id not yet handed out in a block.
func (img *Image) NextProducerID() int64 { return img.nextProducerID }

// Topic is one topic in an image. It is immutable.
type Topic struct {
	name       string
	id         record.UUID
	partitions *immutable.List[*Partition]
	configs    *immutable.SortedMap[string, string]
}

func newTopic(name string, id record.UUID) *Topic {
	return &Topic{
		name:       name,
		id:         id,
		partitions: immutable.NewList[*Partition](),
		configs:    newConfigMap(),
	}
}

// Name is the topic's name.
func (t *Topic) Name() string { return t.name }

// ID is the topic's id.
func (t *Topic) ID() record.UUID { return t.id }

// NumPartitions is the number of partitions; they are numbered 0..n-1.
func (t *Topic) NumPartitions() int { return t.partitions.Len() }

// Partition returns partition p.
func (t *Topic) Partition(p int32) (*Partition, bool) {
	if p < 0 || int(p) >= t.partitions.Len() {
		return nil, false
	}
	return t.partitions.Get(int(p)), true
}

// Partitions iterates over the partitions in order.
func (t *Topic) Partitions() iter.Seq[*Partition] {
	return func(yield func(*Partition) bool) {
		it := t.partitions.Iterator()
		for !it.Done() {
			_, p := it.Next()
			if !yield(p) {
				return
			}
		}
	}
}

// Config returns the override for one config key.
func (t *Topic) Config(key string) (string, bool) { return t.configs.Get(key) }

// Configs returns a copy of the topic's config overrides, nil if none.
func (t *Topic) Configs() map[string]string { return toMap(t.configs) }

// Partition is the state of one partition. Its slices are shared with the
// image: treat them as read-only.
type Partition struct {
	TopicID             record.UUID
	ID                  int32
	Replicas            []int32 // preferred order: Replicas[0] is the preferred leader
	ISR                 []int32
	RemovingReplicas    []int32
	AddingReplicas      []int32
	Leader              int32 // record.NoLeader if none
	LeaderEpoch         int32
	PartitionEpoch      int32
	LeaderRecoveryState int8
}

// HasReplica reports whether broker id is one of the partition's replicas.
func (p *Partition) HasReplica(id int32) bool { return slices.Contains(p.Replicas, id) }

// InISR reports whether broker id is in the in-sync replica set.
func (p *Partition) InISR(id int32) bool { return slices.Contains(p.ISR, id) }

// Equal reports whether two partition states are identical.
func (p *Partition) Equal(o *Partition) bool {
	if p == nil || o == nil {
		return p == o
	}
	return p.TopicID == o.TopicID && p.ID == o.ID &&
		p.Leader == o.Leader && p.LeaderEpoch == o.LeaderEpoch &&
		p.PartitionEpoch == o.PartitionEpoch && p.LeaderRecoveryState == o.LeaderRecoveryState &&
		slices.Equal(p.Replicas, o.Replicas) && slices.Equal(p.ISR, o.ISR) &&
		slices.Equal(p.RemovingReplicas, o.RemovingReplicas) && slices.Equal(p.AddingReplicas, o.AddingReplicas)
}

// Broker is one broker registration. Its slices are shared with the image:
// treat them as read-only.
type Broker struct {
	ID                   int32
	IncarnationID        record.UUID
	Epoch                int64
	Endpoints            []record.Endpoint
	Rack                 string // "" if none
	Fenced               bool
	InControlledShutdown bool
}

// Endpoint returns the endpoint for the named listener.
func (b *Broker) Endpoint(listener string) (record.Endpoint, bool) {
	for _, e := range b.Endpoints {
		if e.Name == listener {
			return e, true
		}
	}
	return record.Endpoint{}, false
}

// Equal reports whether two registrations are identical.
func (b *Broker) Equal(o *Broker) bool {
	if b == nil || o == nil {
		return b == o
	}
	return b.ID == o.ID && b.IncarnationID == o.IncarnationID && b.Epoch == o.Epoch &&
		b.Rack == o.Rack && b.Fenced == o.Fenced && b.InControlledShutdown == o.InControlledShutdown &&
		slices.Equal(b.Endpoints, o.Endpoints)
}

// collisionKey is the name with '.' replaced by '_': two topics with the
// same key would share metric names, so Kafka refuses the second.
func collisionKey(name string) string { return strings.ReplaceAll(name, ".", "_") }

func toMap(m *immutable.SortedMap[string, string]) map[string]string {
	if m == nil || m.Len() == 0 {
		return nil
	}
	out := make(map[string]string, m.Len())
	it := m.Iterator()
	for !it.Done() {
		k, v, _ := it.Next()
		out[k] = v
	}
	return out
}

// uuidHasher hashes topic ids for immutable.Map. Ids are random, so any
// four bytes spread well; mixing two words also covers hand-made ids in
// tests that differ only at the end.
type uuidHasher struct{}

func (uuidHasher) Hash(u record.UUID) uint32 {
	return binary.LittleEndian.Uint32(u[0:4]) ^ binary.LittleEndian.Uint32(u[12:16])*0x9e3779b1
}

func (uuidHasher) Equal(a, b record.UUID) bool { return a == b }

func newConfigMap() *immutable.SortedMap[string, string] {
	return immutable.NewSortedMap[string, string](stringComparer{})
}

type int32Comparer struct{}

func (int32Comparer) Compare(a, b int32) int { return cmp.Compare(a, b) }

type stringComparer struct{}

func (stringComparer) Compare(a, b string) int { return strings.Compare(a, b) }
