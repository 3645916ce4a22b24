package image

import (
	"bytes"

	"github.com/skiffhq/skiff/metadata/record"
)

// snapshotProducerBroker is the broker id Records writes on its ProducerIDs
// record: the block's owner is history, only the next free id matters.
const snapshotProducerBroker = -1

// Records returns records that, applied to New(img.ClusterID()), rebuild an
// image equal to img. For large images prefer EachRecord, which streams.
func Records(img *Image) []record.Record {
	var out []record.Record
	_ = img.EachRecord(func(r record.Record) error {
		out = append(out, r)
		return nil
	})
	return out
}

// EachRecord calls fn with the records that rebuild img, in an order that
// applies cleanly: brokers, broker configs, then each topic (in name order)
// followed by its configs and partitions, then the producer-id position.
// It stops at and returns fn's first error. The image is immutable, so
// this may run concurrently with anything (a snapshot being written while
// the FSM applies new entries).
func (img *Image) EachRecord(fn func(record.Record) error) error {
	for b := range img.Brokers() {
		if err := fn(brokerRecord(b)); err != nil {
			return err
		}
	}
	if err := img.eachBrokerConfig(fn); err != nil {
		return err
	}
	for t := range img.Topics() {
		if err := eachTopicRecord(t, fn); err != nil {
			return err
		}
	}
	if img.nextProducerID > 0 {
		return fn(&record.ProducerIDs{BrokerID: snapshotProducerBroker, BrokerEpoch: -1, NextProducerID: img.nextProducerID})
	}
	return nil
}

func brokerRecord(b *Broker) *record.RegisterBroker {
	return &record.RegisterBroker{
		BrokerID:             b.ID,
		IncarnationID:        b.IncarnationID,
		BrokerEpoch:          b.Epoch,
		Endpoints:            b.Endpoints,
		Rack:                 b.Rack,
		Fenced:               b.Fenced,
		InControlledShutdown: b.InControlledShutdown,
	}
}

func (img *Image) eachBrokerConfig(fn func(record.Record) error) error {
	it := img.brokerConfigs.Iterator()
	for !it.Done() {
		resource, m, _ := it.Next()
		kit := m.Iterator()
		for !kit.Done() {
			k, v, _ := kit.Next()
			if err := fn(&record.Config{ResourceType: record.ResourceBroker, ResourceName: resource, Name: k, Value: &v}); err != nil {
				return err
			}
		}
	}
	return nil
}

func eachTopicRecord(t *Topic, fn func(record.Record) error) error {
	if err := fn(&record.Topic{Name: t.name, TopicID: t.id}); err != nil {
		return err
	}
	it := t.configs.Iterator()
	for !it.Done() {
		k, v, _ := it.Next()
		if err := fn(&record.Config{ResourceType: record.ResourceTopic, ResourceName: t.name, Name: k, Value: &v}); err != nil {
			return err
		}
	}
	for p := range t.Partitions() {
		if err := fn(partitionRecord(p)); err != nil {
			return err
		}
	}
	return nil
}

func partitionRecord(p *Partition) *record.Partition {
	return &record.Partition{
		TopicID:             p.TopicID,
		PartitionID:         p.ID,
		Replicas:            p.Replicas,
		ISR:                 p.ISR,
		RemovingReplicas:    p.RemovingReplicas,
		AddingReplicas:      p.AddingReplicas,
		Leader:              p.Leader,
		LeaderEpoch:         p.LeaderEpoch,
		PartitionEpoch:      p.PartitionEpoch,
		LeaderRecoveryState: p.LeaderRecoveryState,
	}
}

// Builder rebuilds an image from a stream of records (a snapshot) without
// computing deltas. Records are validated exactly as Apply validates them.
type Builder struct {
	a applier
}

// NewBuilder starts from the empty image of clusterID.
func NewBuilder(clusterID string) *Builder {
	return &Builder{a: applier{img: *New(clusterID)}}
}

// Add applies records. On error the builder is left part-way and must be
// discarded.
func (b *Builder) Add(records ...record.Record) error {
	return b.a.applyAll(records)
}

// Build returns the image at (offset, term). The builder must not be used
// afterwards.
func (b *Builder) Build(offset int64, term uint64) *Image {
	img := b.a.img
	img.offset, img.term = offset, term
	return &img
}

// Equal reports whether two images hold the same metadata at the same
// position. It compares their record encodings, so it is O(size): meant
// for tests and consistency checks, not hot paths.
func Equal(a, b *Image) bool {
	if a.offset != b.offset || a.term != b.term || a.clusterID != b.clusterID ||
		a.partitionCount != b.partitionCount || a.NumTopics() != b.NumTopics() {
		return false
	}
	return bytes.Equal(record.Encode(Records(a)), record.Encode(Records(b)))
}
