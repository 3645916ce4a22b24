package image

import (
	"github.com/benbjohnson/immutable"

	"github.com/skiffhq/skiff/metadata/record"
)

// Delta is exactly what one applied entry (or a snapshot restore) changed,
// from Prev to Image. Lists are in the order the entry first touched each
// item (Diff: name and id order). A broker reacts to a Delta in time
// proportional to its size: start partitions that appear, stop those that
// disappear, update those that change.
type Delta struct {
	Prev  *Image // the image before
	Image *Image // the image after

	TopicsCreated []*Topic         // as they are in Image
	TopicsDeleted []*Topic         // as they were in Prev
	Partitions    []PartitionDelta // created, changed or deleted partitions
	Configs       []ConfigDelta    // changed config overrides
	Brokers       []BrokerDelta    // registered, changed or unregistered brokers
	ProducerIDs   bool             // NextProducerID moved
}

// PartitionDelta is one partition's change. Old is nil for a new
// partition; New is nil for a partition of a deleted topic.
type PartitionDelta struct {
	Topic     string // the topic's name (in Image, or in Prev if deleted)
	TopicID   record.UUID
	Partition int32
	Old, New  *Partition
}

// ConfigDelta is one config override's change; nil means "no override".
type ConfigDelta struct {
	ResourceType int8   // record.ResourceTopic or record.ResourceBroker
	ResourceName string // topic name, "" or a broker id
	Name         string
	Old, New     *string
}

// BrokerDelta is one broker's change. Old is nil for a first registration,
// New is nil for an unregistered broker.
type BrokerDelta struct {
	ID       int32
	Old, New *Broker
}

// Empty reports whether nothing changed.
func (d *Delta) Empty() bool {
	return len(d.TopicsCreated) == 0 && len(d.TopicsDeleted) == 0 && len(d.Partitions) == 0 &&
		len(d.Configs) == 0 && len(d.Brokers) == 0 && !d.ProducerIDs
}

type partitionKey struct {
	topic     record.UUID
	partition int32
}

type configKey struct {
	resourceType int8
	resourceName string
	name         string
}

// touched records, in first-touch order, the keys an entry changed. The
// delta is then read off the old and new images, so it is exact by
// construction: an item set and reset within one entry drops out.
type touched struct {
	topics     []record.UUID
	partitions []partitionKey
	configs    []configKey
	brokers    []int32
	seen       map[any]bool
}

func newTouched() *touched { return &touched{seen: map[any]bool{}} }

func (t *touched) first(key any) bool {
	if t.seen[key] {
		return false
	}
	t.seen[key] = true
	return true
}

// The recording methods accept a nil receiver: restoring a snapshot builds
// an image without a delta.

func (t *touched) topic(id record.UUID) {
	if t != nil && t.first(id) {
		t.topics = append(t.topics, id)
	}
}

func (t *touched) partition(id record.UUID, p int32) {
	if k := (partitionKey{id, p}); t != nil && t.first(k) {
		t.partitions = append(t.partitions, k)
	}
}

func (t *touched) config(resourceType int8, resourceName, name string) {
	if k := (configKey{resourceType, resourceName, name}); t != nil && t.first(k) {
		t.configs = append(t.configs, k)
	}
}

func (t *touched) broker(id int32) {
	if t != nil && t.first(id) {
		t.brokers = append(t.brokers, id)
	}
}

func (t *touched) removedTopic(top *Topic) {
	if t == nil {
		return
	}
	t.topic(top.id)
	for p := 0; p < top.partitions.Len(); p++ {
		t.partition(top.id, int32(p))
	}
	it := top.configs.Iterator()
	for !it.Done() {
		k, _, _ := it.Next()
		t.config(record.ResourceTopic, top.name, k)
	}
}

func (t *touched) delta(prev, next *Image) *Delta {
	d := &Delta{Prev: prev, Image: next, ProducerIDs: prev.nextProducerID != next.nextProducerID}
	for _, id := range t.topics {
		before, inPrev := prev.TopicByID(id)
		after, inNext := next.TopicByID(id)
		switch {
		case inNext && !inPrev:
			d.TopicsCreated = append(d.TopicsCreated, after)
		case inPrev && !inNext:
			d.TopicsDeleted = append(d.TopicsDeleted, before)
		}
	}
	for _, k := range t.partitions {
		d.addPartition(k.topic, k.partition)
	}
	for _, k := range t.configs {
		d.addConfig(k)
	}
	for _, id := range t.brokers {
		old, _ := prev.brokers.Get(id)
		cur, _ := next.brokers.Get(id)
		d.addBroker(id, old, cur)
	}
	return d
}

func (d *Delta) addPartition(id record.UUID, p int32) {
	var old, cur *Partition
	name := ""
	if t, ok := d.Prev.TopicByID(id); ok {
		old, _ = t.Partition(p)
		name = t.name
	}
	if t, ok := d.Image.TopicByID(id); ok {
		cur, _ = t.Partition(p)
		name = t.name
	}
	if old.Equal(cur) {
		return
	}
	d.Partitions = append(d.Partitions, PartitionDelta{Topic: name, TopicID: id, Partition: p, Old: old, New: cur})
}

func (d *Delta) addConfig(k configKey) {
	old := configValue(d.Prev, k)
	cur := configValue(d.Image, k)
	if old == nil && cur == nil || old != nil && cur != nil && *old == *cur {
		return
	}
	d.Configs = append(d.Configs, ConfigDelta{ResourceType: k.resourceType, ResourceName: k.resourceName, Name: k.name, Old: old, New: cur})
}

func (d *Delta) addBroker(id int32, old, cur *Broker) {
	if old.Equal(cur) {
		return
	}
	d.Brokers = append(d.Brokers, BrokerDelta{ID: id, Old: old, New: cur})
}

func configValue(img *Image, k configKey) *string {
	var m *immutable.SortedMap[string, string]
	switch k.resourceType {
	case record.ResourceTopic:
		if t, ok := img.topics.Get(k.resourceName); ok {
			m = t.configs
		}
	case record.ResourceBroker:
		m, _ = img.brokerConfigs.Get(k.resourceName)
	}
	if m == nil {
		return nil
	}
	if v, ok := m.Get(k.name); ok {
		return &v
	}
	return nil
}

// Diff returns the delta that turns prev into next, for when next did not
// come from applying one entry to prev: a snapshot restore (prev is the
// image being replaced, or New(clusterID) at startup). It costs time
// proportional to both images, skipping topics the two share.
func Diff(prev, next *Image) *Delta {
	df := differ{
		d:       &Delta{Prev: prev, Image: next, ProducerIDs: prev.nextProducerID != next.nextProducerID},
		configs: map[configKey]bool{},
	}
	df.brokers()
	df.topics()
	df.brokerConfigs()
	return df.d
}

type differ struct {
	d       *Delta
	configs map[configKey]bool // config keys already compared
}

func (df *differ) config(k configKey) {
	if !df.configs[k] {
		df.configs[k] = true
		df.d.addConfig(k)
	}
}

func (df *differ) brokers() {
	d := df.d
	for b := range d.Prev.Brokers() {
		cur, _ := d.Image.brokers.Get(b.ID)
		d.addBroker(b.ID, b, cur)
	}
	for b := range d.Image.Brokers() {
		if _, ok := d.Prev.brokers.Get(b.ID); !ok {
			d.addBroker(b.ID, nil, b)
		}
	}
}

func (df *differ) topics() {
	d := df.d
	for old := range d.Prev.Topics() {
		cur, ok := d.Image.TopicByID(old.id)
		if !ok {
			d.TopicsDeleted = append(d.TopicsDeleted, old)
		}
		if cur != old {
			df.topic(old, cur)
		}
	}
	for cur := range d.Image.Topics() {
		if _, ok := d.Prev.TopicByID(cur.id); !ok {
			d.TopicsCreated = append(d.TopicsCreated, cur)
			df.topic(nil, cur)
		}
	}
}

// topic adds the partition and config changes between two versions of one
// topic id; either may be nil.
func (df *differ) topic(old, cur *Topic) {
	id, name := topicIdentity(old, cur)
	n := max(numPartitions(old), numPartitions(cur))
	for p := 0; p < n; p++ {
		df.d.addPartition(id, int32(p))
	}
	for _, t := range []*Topic{old, cur} {
		if t == nil {
			continue
		}
		it := t.configs.Iterator()
		for !it.Done() {
			k, _, _ := it.Next()
			df.config(configKey{record.ResourceTopic, name, k})
		}
	}
}

func topicIdentity(old, cur *Topic) (record.UUID, string) {
	if cur != nil {
		return cur.id, cur.name
	}
	return old.id, old.name
}

func numPartitions(t *Topic) int {
	if t == nil {
		return 0
	}
	return t.partitions.Len()
}

func (df *differ) brokerConfigs() {
	for _, img := range []*Image{df.d.Prev, df.d.Image} {
		it := img.brokerConfigs.Iterator()
		for !it.Done() {
			resource, m, _ := it.Next()
			kit := m.Iterator()
			for !kit.Done() {
				name, _, _ := kit.Next()
				df.config(configKey{record.ResourceBroker, resource, name})
			}
		}
	}
}
