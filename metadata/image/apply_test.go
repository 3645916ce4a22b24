package image

import (
	"errors"
	"slices"
	"testing"

	"github.com/skiffhq/skiff/metadata/record"
)

// base is the image every rejection case starts from: two brokers (1 at
// epoch 10, 2 at epoch 20), topic "orders" (id 1, 2 partitions on brokers
// 1,2) with a retention override, and producer ids handed out up to 1000.
func base(t *testing.T) *log {
	l := newLog(t)
	l.apply(broker(1, 10), broker(2, 20))
	l.apply(topicRecords("orders", tid(1), 2, 1, 2)...)
	l.apply(&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Name: "retention.ms", Value: str("1000")})
	l.apply(&record.ProducerIDs{BrokerID: 1, BrokerEpoch: 10, NextProducerID: 1000})
	return l
}

func TestApplyRejects(t *testing.T) {
	good := &record.NoOp{}
	tests := []struct {
		name  string
		entry []record.Record
		want  error
		index int
	}{
		// RegisterBroker
		{"negative broker id", []record.Record{broker(-1, 1)}, ErrInvalidRecord, 0},
		{"negative broker epoch", []record.Record{broker(3, -5)}, ErrInvalidRecord, 0},
		{"re-register at same epoch", []record.Record{good, broker(1, 10)}, ErrStaleBrokerEpoch, 1},
		{"re-register at lower epoch", []record.Record{broker(1, 9)}, ErrStaleBrokerEpoch, 0},
		{"duplicate listener", []record.Record{&record.RegisterBroker{BrokerID: 5, Endpoints: []record.Endpoint{{Name: "A"}, {Name: "A"}}}}, ErrInvalidRecord, 0},
		// BrokerRegistrationChange
		{"fence unknown broker", []record.Record{&record.BrokerRegistrationChange{BrokerID: 9, BrokerEpoch: 1, Fenced: record.Fence}}, ErrUnknownBroker, 0},
		{"fence stale epoch", []record.Record{&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 9, Fenced: record.Fence}}, ErrStaleBrokerEpoch, 0},
		{"bad fenced value", []record.Record{&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 10, Fenced: 3}}, ErrInvalidRecord, 0},
		{"bad shutdown value", []record.Record{&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 10, InControlledShutdown: -1}}, ErrInvalidRecord, 0},
		// UnregisterBroker
		{"unregister unknown", []record.Record{&record.UnregisterBroker{BrokerID: 9, BrokerEpoch: 1}}, ErrUnknownBroker, 0},
		{"unregister stale epoch", []record.Record{&record.UnregisterBroker{BrokerID: 2, BrokerEpoch: 19}}, ErrStaleBrokerEpoch, 0},
		// Topic
		{"topic exists", []record.Record{&record.Topic{Name: "orders", TopicID: tid(2)}}, ErrTopicExists, 0},
		{"topic id in use", []record.Record{&record.Topic{Name: "other", TopicID: tid(1)}}, ErrTopicIDExists, 0},
		{"topic name collision", []record.Record{&record.Topic{Name: "a.b", TopicID: tid(2)}, &record.Topic{Name: "a_b", TopicID: tid(3)}}, ErrTopicNameCollision, 1},
		{"empty topic name", []record.Record{&record.Topic{Name: "", TopicID: tid(2)}}, ErrInvalidRecord, 0},
		{"zero topic id", []record.Record{&record.Topic{Name: "x"}}, ErrInvalidRecord, 0},
		{"metadata topic id", []record.Record{&record.Topic{Name: "x", TopicID: record.MetadataTopicID}}, ErrInvalidRecord, 0},
		// Partition
		{"partition of unknown topic", []record.Record{&record.Partition{TopicID: tid(7), Replicas: []int32{1}, ISR: []int32{1}, Leader: 1}}, ErrUnknownTopic, 0},
		{"partition exists", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 1, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1}}, ErrPartitionExists, 0},
		{"partition gap", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 3, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1}}, ErrInvalidRecord, 0},
		{"no replicas", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Leader: -1}}, ErrInvalidRecord, 0},
		{"duplicate replicas", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1, 1}, ISR: []int32{1}, Leader: 1}}, ErrInvalidRecord, 0},
		{"isr outside replicas", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1}, ISR: []int32{1, 2}, Leader: 1}}, ErrInvalidRecord, 0},
		{"leader outside isr", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1, 2}, ISR: []int32{1}, Leader: 2}}, ErrInvalidRecord, 0},
		{"negative epoch", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1, LeaderEpoch: -1}}, ErrInvalidRecord, 0},
		{"bad recovery state", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1, LeaderRecoveryState: 5}}, ErrInvalidRecord, 0},
		{"adding outside replicas", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1, AddingReplicas: []int32{3}}}, ErrInvalidRecord, 0},
		// PartitionChange
		{"change unknown topic", []record.Record{&record.PartitionChange{TopicID: tid(9), Leader: record.NoLeaderChange}}, ErrUnknownTopic, 0},
		{"change unknown partition", []record.Record{&record.PartitionChange{TopicID: tid(1), PartitionID: 5, Leader: record.NoLeaderChange}}, ErrUnknownPartition, 0},
		{"change stale partition epoch", []record.Record{&record.PartitionChange{TopicID: tid(1), PartitionEpoch: 3, Leader: record.NoLeaderChange, ISR: []int32{1}}}, ErrStalePartitionEpoch, 0},
		{"second change in entry is stale", []record.Record{
			&record.PartitionChange{TopicID: tid(1), Leader: record.NoLeaderChange, ISR: []int32{1}},
			&record.PartitionChange{TopicID: tid(1), Leader: record.NoLeaderChange, ISR: []int32{1, 2}},
		}, ErrStalePartitionEpoch, 1},
		{"change leader outside isr", []record.Record{&record.PartitionChange{TopicID: tid(1), Leader: 2, ISR: []int32{1}}}, ErrInvalidRecord, 0},
		{"change isr drops leader", []record.Record{&record.PartitionChange{TopicID: tid(1), Leader: record.NoLeaderChange, ISR: []int32{2}}}, ErrInvalidRecord, 0},
		// Config
		{"config of unknown topic", []record.Record{&record.Config{ResourceType: record.ResourceTopic, ResourceName: "nope", Name: "a", Value: str("b")}}, ErrUnknownTopic, 0},
		{"config empty name", []record.Record{&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Value: str("b")}}, ErrInvalidRecord, 0},
		{"config bad resource type", []record.Record{&record.Config{ResourceType: 3, ResourceName: "x", Name: "a"}}, ErrInvalidRecord, 0},
		{"broker config bad resource", []record.Record{&record.Config{ResourceType: record.ResourceBroker, ResourceName: "01", Name: "a", Value: str("b")}}, ErrInvalidRecord, 0},
		// ProducerIDs
		{"producer ids go back", []record.Record{&record.ProducerIDs{BrokerID: 1, BrokerEpoch: 10, NextProducerID: 999}}, ErrProducerIDNotIncreasing, 0},
		{"producer ids stand still", []record.Record{&record.ProducerIDs{BrokerID: 1, BrokerEpoch: 10, NextProducerID: 1000}}, ErrProducerIDNotIncreasing, 0},
		// RemoveTopic
		{"remove unknown topic", []record.Record{&record.RemoveTopic{TopicID: tid(9)}}, ErrUnknownTopic, 0},
		{"remove twice", []record.Record{&record.RemoveTopic{TopicID: tid(1)}, &record.RemoveTopic{TopicID: tid(1)}}, ErrUnknownTopic, 1},
		{"nil record", []record.Record{nil}, ErrInvalidRecord, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base(t)
			before := Records(l.img)
			err := l.reject(tt.entry...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var ae *ApplyError
			if !errors.As(err, &ae) || ae.Index != tt.index {
				t.Fatalf("error %v does not name record %d", err, tt.index)
			}
			if !Equal(l.img, NewBuilderFrom(t, before, l.img)) {
				t.Fatal("image content changed")
			}
		})
	}
}

// NewBuilderFrom rebuilds an image from records at img's position.
func NewBuilderFrom(t *testing.T, recs []record.Record, at *Image) *Image {
	t.Helper()
	b := NewBuilder(at.ClusterID())
	if err := b.Add(recs...); err != nil {
		t.Fatal(err)
	}
	return b.Build(at.Offset(), at.Term())
}

func TestApplyStaleOffset(t *testing.T) {
	l := base(t)
	if _, _, err := l.img.Apply(l.img.Offset(), 1, nil); !errors.Is(err, ErrStaleOffset) {
		t.Fatalf("got %v", err)
	}
}

func TestBrokerLifecycle(t *testing.T) {
	l := newLog(t)
	l.apply(broker(1, 5))
	b, _ := l.img.Broker(1)
	if b.Epoch != 5 || b.Fenced || b.Rack != "rack-1" {
		t.Fatalf("registered: %+v", b)
	}
	if e, ok := b.Endpoint("PLAINTEXT"); !ok || e.Port != 9001 {
		t.Fatalf("endpoint: %+v %v", e, ok)
	}
	l.apply(&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 5, Fenced: record.Fence})
	if b, _ := l.img.Broker(1); !b.Fenced {
		t.Fatal("not fenced")
	}
	l.apply(&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 5, Fenced: record.Unfence, InControlledShutdown: record.EnterControlledShutdown})
	if b, _ := l.img.Broker(1); b.Fenced || !b.InControlledShutdown {
		t.Fatalf("after unfence+shutdown: %+v", b)
	}
	// A restart registers again with a higher epoch; the old epoch's
	// decisions are then refused.
	re := broker(1, 8)
	re.Fenced = true
	l.apply(re)
	if err := l.reject(&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 5, Fenced: record.Unfence}); !errors.Is(err, ErrStaleBrokerEpoch) {
		t.Fatalf("stale unfence: %v", err)
	}
	l.apply(&record.UnregisterBroker{BrokerID: 1, BrokerEpoch: 8})
	if _, ok := l.img.Broker(1); ok || l.img.NumBrokers() != 0 {
		t.Fatal("broker still registered")
	}
}

func TestTopicLifecycle(t *testing.T) {
	l := newLog(t)
	l.apply(broker(1, 1), broker(2, 1), broker(3, 1))
	l.apply(topicRecords("orders.v1", tid(1), 3, 1, 2, 3)...)
	top, ok := l.img.Topic("orders.v1")
	if !ok || top.ID() != tid(1) || top.NumPartitions() != 3 || l.img.NumPartitions() != 3 {
		t.Fatalf("topic: %v %+v", ok, top)
	}
	if byID, ok := l.img.TopicByID(tid(1)); !ok || byID != top {
		t.Fatal("lookup by id")
	}
	if name, ok := l.img.CollidingTopic("orders_v1"); !ok || name != "orders.v1" {
		t.Fatalf("collision lookup: %q %v", name, ok)
	}
	p, _ := l.img.Partition("orders.v1", 1)
	if !slices.Equal(p.Replicas, []int32{2, 3, 1}) || p.Leader != 2 || p.LeaderEpoch != 0 || p.PartitionEpoch != 0 {
		t.Fatalf("partition 1: %+v", p)
	}

	// Shrink the ISR: partition epoch bumps, leader epoch does not.
	l.apply(&record.PartitionChange{TopicID: tid(1), PartitionID: 1, PartitionEpoch: 0, Leader: record.NoLeaderChange, ISR: []int32{2, 3}})
	p, _ = l.img.Partition("orders.v1", 1)
	if !slices.Equal(p.ISR, []int32{2, 3}) || p.PartitionEpoch != 1 || p.LeaderEpoch != 0 {
		t.Fatalf("after isr shrink: %+v", p)
	}
	// Move leadership: both epochs bump.
	l.apply(&record.PartitionChange{TopicID: tid(1), PartitionID: 1, PartitionEpoch: 1, Leader: 3})
	p, _ = l.img.Partition("orders.v1", 1)
	if p.Leader != 3 || p.PartitionEpoch != 2 || p.LeaderEpoch != 1 {
		t.Fatalf("after leader move: %+v", p)
	}
	// Offline: no leader, empty ISR kept canonical (nil).
	l.apply(&record.PartitionChange{TopicID: tid(1), PartitionID: 1, PartitionEpoch: 2, Leader: record.NoLeader, ISR: []int32{}})
	p, _ = l.img.Partition("orders.v1", 1)
	if p.Leader != record.NoLeader || p.ISR != nil || p.LeaderEpoch != 2 {
		t.Fatalf("offline: %+v", p)
	}

	l.apply(&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders.v1", Name: "cleanup.policy", Value: str("compact")})
	if v, ok := top.Config("cleanup.policy"); ok || v != "" {
		t.Fatal("old topic value changed: images must be immutable")
	}
	if got := l.img.TopicConfigs("orders.v1"); got["cleanup.policy"] != "compact" || len(got) != 1 {
		t.Fatalf("configs: %v", got)
	}

	// Delete, then re-create the same name with a new id.
	l.apply(&record.RemoveTopic{TopicID: tid(1)})
	if _, ok := l.img.Topic("orders.v1"); ok || l.img.NumPartitions() != 0 || l.img.NumTopics() != 0 {
		t.Fatal("topic survived removal")
	}
	if _, ok := l.img.CollidingTopic("orders_v1"); ok {
		t.Fatal("collision key survived removal")
	}
	l.apply(topicRecords("orders.v1", tid(2), 1, 1)...)
	if got := l.img.TopicConfigs("orders.v1"); got != nil {
		t.Fatalf("re-created topic inherited configs %v", got)
	}
}

func TestConfigsAndProducerIDs(t *testing.T) {
	l := newLog(t)
	l.apply(&record.Config{ResourceType: record.ResourceBroker, ResourceName: "", Name: "log.retention.ms", Value: str("5")})
	l.apply(&record.Config{ResourceType: record.ResourceBroker, ResourceName: "3", Name: "log.retention.ms", Value: str("6")})
	if got := l.img.BrokerConfigs(""); got["log.retention.ms"] != "5" {
		t.Fatalf("cluster default: %v", got)
	}
	l.apply(&record.Config{ResourceType: record.ResourceBroker, ResourceName: "3", Name: "log.retention.ms"})
	if got := l.img.BrokerConfigs("3"); got != nil {
		t.Fatalf("deleted broker override: %v", got)
	}
	// Deleting an absent key is allowed and changes nothing.
	d := l.apply(&record.Config{ResourceType: record.ResourceBroker, ResourceName: "3", Name: "absent"})
	if !d.Empty() {
		t.Fatalf("no-op delete produced delta %+v", d)
	}
	l.apply(&record.ProducerIDs{BrokerID: 1, BrokerEpoch: 1, NextProducerID: 1000})
	l.apply(&record.ProducerIDs{BrokerID: 1, BrokerEpoch: 1, NextProducerID: 2000})
	if l.img.NextProducerID() != 2000 {
		t.Fatalf("next producer id %d", l.img.NextProducerID())
	}
}

// TestStructuralSharing proves a change to one partition of a large topic
// does not copy the topic: every other partition is the same pointer, and
// the previous image still sees the old state.
func TestStructuralSharing(t *testing.T) {
	const n = 10000
	l := newLog(t)
	l.apply(broker(1, 1), broker(2, 1))
	l.apply(topicRecords("big", tid(1), n, 1, 2)...)
	before := l.img
	l.apply(&record.PartitionChange{TopicID: tid(1), PartitionID: 4321, Leader: record.NoLeaderChange, ISR: []int32{2}})
	if l.img.Offset() != before.Offset()+1 {
		t.Fatal("offset did not advance")
	}
	oldTopic, _ := before.Topic("big")
	newTopic, _ := l.img.Topic("big")
	for p := int32(0); p < n; p++ {
		op, _ := oldTopic.Partition(p)
		np, _ := newTopic.Partition(p)
		if (p == 4321) == (op == np) {
			t.Fatalf("partition %d: shared=%v", p, op == np)
		}
	}
	if op, _ := oldTopic.Partition(4321); len(op.ISR) != 2 || op.PartitionEpoch != 0 {
		t.Fatalf("old image was modified: %+v", op)
	}
}

func TestIterationOrder(t *testing.T) {
	l := newLog(t)
	l.apply(broker(3, 1), broker(1, 1), broker(2, 1))
	for i, name := range []string{"c", "a", "b"} {
		l.apply(topicRecords(name, tid(i+1), 1, 1)...)
	}
	var names []string
	for tp := range l.img.Topics() {
		names = append(names, tp.Name())
	}
	var ids []int32
	for b := range l.img.Brokers() {
		ids = append(ids, b.ID)
	}
	if !slices.Equal(names, []string{"a", "b", "c"}) || !slices.Equal(ids, []int32{1, 2, 3}) {
		t.Fatalf("order: %v %v", names, ids)
	}
}
