package image

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/skiffhq/skiff/metadata/record"
)

// summary renders a delta as sorted strings so tests compare what changed,
// not the order it was found in.
func summary(d *Delta) []string {
	var out []string
	for _, t := range d.TopicsCreated {
		out = append(out, fmt.Sprintf("topic+ %s %d", t.Name(), t.NumPartitions()))
	}
	for _, t := range d.TopicsDeleted {
		out = append(out, fmt.Sprintf("topic- %s", t.Name()))
	}
	for _, p := range d.Partitions {
		out = append(out, fmt.Sprintf("part %s-%d %s -> %s", p.Topic, p.Partition, partString(p.Old), partString(p.New)))
	}
	for _, c := range d.Configs {
		out = append(out, fmt.Sprintf("config %d/%s/%s %s -> %s", c.ResourceType, c.ResourceName, c.Name, strOrNil(c.Old), strOrNil(c.New)))
	}
	for _, b := range d.Brokers {
		out = append(out, fmt.Sprintf("broker %d %s -> %s", b.ID, brokerString(b.Old), brokerString(b.New)))
	}
	if d.ProducerIDs {
		out = append(out, fmt.Sprintf("pids %d", d.Image.NextProducerID()))
	}
	slices.Sort(out)
	return out
}

func partString(p *Partition) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("r%v i%v l%d le%d pe%d", p.Replicas, p.ISR, p.Leader, p.LeaderEpoch, p.PartitionEpoch)
}

func brokerString(b *Broker) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprintf("e%d f%v s%v", b.Epoch, b.Fenced, b.InControlledShutdown)
}

func strOrNil(s *string) string {
	if s == nil {
		return "nil"
	}
	return *s
}

func TestDeltaExact(t *testing.T) {
	tests := []struct {
		name  string
		entry []record.Record
		want  []string
	}{
		{"create topic", topicRecords("new", tid(5), 2, 2, 1), []string{
			"part new-0 nil -> r[2 1] i[2 1] l2 le0 pe0",
			"part new-1 nil -> r[1 2] i[1 2] l1 le0 pe0",
			"topic+ new 2",
		}},
		{"create topic with config", append(topicRecords("new", tid(5), 1, 1),
			&record.Config{ResourceType: record.ResourceTopic, ResourceName: "new", Name: "a", Value: str("1")}), []string{
			"config 2/new/a nil -> 1",
			"part new-0 nil -> r[1] i[1] l1 le0 pe0",
			"topic+ new 1",
		}},
		{"delete topic", []record.Record{&record.RemoveTopic{TopicID: tid(1)}}, []string{
			"config 2/orders/retention.ms 1000 -> nil",
			"part orders-0 r[1 2] i[1 2] l1 le0 pe0 -> nil",
			"part orders-1 r[2 1] i[2 1] l2 le0 pe0 -> nil",
			"topic- orders",
		}},
		{"create then delete in one entry", append(topicRecords("tmp", tid(6), 2, 1), &record.RemoveTopic{TopicID: tid(6)}), nil},
		{"delete and re-create same name", append([]record.Record{&record.RemoveTopic{TopicID: tid(1)}}, topicRecords("orders", tid(7), 1, 2)...), []string{
			"config 2/orders/retention.ms 1000 -> nil",
			"part orders-0 nil -> r[2] i[2] l2 le0 pe0",
			"part orders-0 r[1 2] i[1 2] l1 le0 pe0 -> nil",
			"part orders-1 r[2 1] i[2 1] l2 le0 pe0 -> nil",
			"topic+ orders 1",
			"topic- orders",
		}},
		{"two changes to one partition collapse", []record.Record{
			&record.PartitionChange{TopicID: tid(1), PartitionID: 0, PartitionEpoch: 0, Leader: record.NoLeaderChange, ISR: []int32{1}},
			&record.PartitionChange{TopicID: tid(1), PartitionID: 0, PartitionEpoch: 1, Leader: record.NoLeaderChange, ISR: []int32{1, 2}},
		}, []string{"part orders-0 r[1 2] i[1 2] l1 le0 pe0 -> r[1 2] i[1 2] l1 le0 pe2"}},
		{"add partition", []record.Record{&record.Partition{TopicID: tid(1), PartitionID: 2, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1}}, []string{
			"part orders-2 nil -> r[1] i[1] l1 le0 pe0",
		}},
		{"config set to same value is no change", []record.Record{
			&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Name: "retention.ms", Value: str("1000")},
		}, nil},
		{"config set and reset", []record.Record{
			&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Name: "x", Value: str("1")},
			&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Name: "x"},
		}, nil},
		{"broker config", []record.Record{&record.Config{ResourceType: record.ResourceBroker, ResourceName: "2", Name: "k", Value: str("v")}}, []string{
			"config 4/2/k nil -> v",
		}},
		{"register, fence, unregister", []record.Record{
			broker(3, 1),
			&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 10, Fenced: record.Fence},
			&record.UnregisterBroker{BrokerID: 2, BrokerEpoch: 20},
		}, []string{"broker 1 e10 ffalse sfalse -> e10 ftrue sfalse", "broker 2 e20 ffalse sfalse -> nil", "broker 3 nil -> e1 ffalse sfalse"}},
		{"unfence an unfenced broker is no change", []record.Record{&record.BrokerRegistrationChange{BrokerID: 1, BrokerEpoch: 10, Fenced: record.Unfence}}, nil},
		{"producer ids", []record.Record{&record.ProducerIDs{BrokerID: 1, BrokerEpoch: 10, NextProducerID: 2000}}, []string{"pids 2000"}},
		{"noop", []record.Record{&record.NoOp{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base(t)
			prev := l.img
			d := l.apply(tt.entry...)
			if d.Prev != prev || d.Image != l.img {
				t.Fatal("delta does not link its images")
			}
			if got := summary(d); !slices.Equal(got, tt.want) {
				t.Fatalf("delta:\n got %q\nwant %q", got, tt.want)
			}
			if got, want := summary(Diff(prev, l.img)), tt.want; !slices.Equal(got, want) {
				t.Fatalf("Diff disagrees with Apply:\n got %q\nwant %q", got, want)
			}
			if d.Empty() != (len(tt.want) == 0) {
				t.Fatalf("Empty() = %v", d.Empty())
			}
		})
	}
}

// TestDeltaMatchesDiffOnRandomHistory applies a long random history and
// checks, entry by entry, that the delta Apply reports equals what Diff
// finds by comparing the two images in full.
func TestDeltaMatchesDiffOnRandomHistory(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	l := newLog(t)
	applied := 0
	for i := 0; i < 1500; i++ {
		entry := randomEntry(rng, l.img)
		prev := l.img
		next, d, err := prev.Apply(prev.Offset()+1, 1, entry)
		if err != nil {
			continue // random entries may be invalid; rejection is tested elsewhere
		}
		l.img = next
		applied++
		if got, want := summary(d), summary(Diff(prev, next)); !slices.Equal(got, want) {
			t.Fatalf("entry %d %v:\napply %q\n diff %q", i, entry, got, want)
		}
	}
	if applied < 600 || l.img.NumTopics() == 0 || l.img.NumBrokers() == 0 {
		t.Fatalf("random history applied only %d entries; generator is broken", applied)
	}
	assertSnapshotRoundTrip(t, l.img)
}

func randomEntry(rng *rand.Rand, img *Image) []record.Record {
	var entry []record.Record
	for n := 1 + rng.IntN(3); n > 0; n-- {
		entry = append(entry, randomRecord(rng, img))
	}
	return entry
}

func randomRecord(rng *rand.Rand, img *Image) record.Record {
	topics := slices.Collect(img.Topics())
	var some *Topic
	if len(topics) > 0 {
		some = topics[rng.IntN(len(topics))]
	}
	switch k := rng.IntN(10); {
	case k == 0:
		id := int32(rng.IntN(4))
		epoch := int64(1)
		if b, ok := img.Broker(id); ok {
			epoch = b.Epoch + 1
		}
		return broker(id, epoch)
	case k == 1:
		for b := range img.Brokers() {
			return &record.BrokerRegistrationChange{BrokerID: b.ID, BrokerEpoch: b.Epoch, Fenced: int8(rng.IntN(3) - 1)}
		}
	case k == 2 || some == nil:
		return &record.Topic{Name: fmt.Sprintf("t%d", rng.IntN(30)), TopicID: tid(rng.IntN(1 << 20))}
	case k == 3:
		return &record.Partition{TopicID: some.ID(), PartitionID: int32(some.NumPartitions()), Replicas: []int32{1, 2}, ISR: []int32{1, 2}, Leader: 1}
	case k == 4 && some.NumPartitions() > 0:
		p, _ := some.Partition(int32(rng.IntN(some.NumPartitions())))
		isr := []int32{p.Replicas[0]}
		if rng.IntN(2) == 0 {
			isr = p.Replicas
		}
		return &record.PartitionChange{TopicID: some.ID(), PartitionID: p.ID, PartitionEpoch: p.PartitionEpoch, Leader: p.Replicas[0], ISR: isr}
	case k == 5:
		var v *string
		if rng.IntN(3) > 0 {
			v = str(fmt.Sprint(rng.IntN(3)))
		}
		return &record.Config{ResourceType: record.ResourceTopic, ResourceName: some.Name(), Name: fmt.Sprintf("k%d", rng.IntN(3)), Value: v}
	case k == 6:
		return &record.Config{ResourceType: record.ResourceBroker, ResourceName: []string{"", "1"}[rng.IntN(2)], Name: "k", Value: str(fmt.Sprint(rng.IntN(2)))}
	case k == 7:
		return &record.RemoveTopic{TopicID: some.ID()}
	case k == 8:
		return &record.ProducerIDs{NextProducerID: img.NextProducerID() + 1000}
	}
	return &record.NoOp{}
}

// TestDiffFromEmpty is what a subscriber sees after a restart: a delta from
// nothing to the restored image.
func TestDiffFromEmpty(t *testing.T) {
	l := base(t)
	d := Diff(New(l.img.ClusterID()), l.img)
	want := []string{
		"broker 1 nil -> e10 ffalse sfalse",
		"broker 2 nil -> e20 ffalse sfalse",
		"config 2/orders/retention.ms nil -> 1000",
		"part orders-0 nil -> r[1 2] i[1 2] l1 le0 pe0",
		"part orders-1 nil -> r[2 1] i[2 1] l2 le0 pe0",
		"pids 1000",
		"topic+ orders 2",
	}
	if got := summary(d); !slices.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if !Diff(l.img, l.img).Empty() {
		t.Fatal("diff of an image with itself is not empty")
	}
	sorted := slices.IsSortedFunc(d.Partitions, func(a, b PartitionDelta) int { return cmp.Compare(a.Partition, b.Partition) })
	if !sorted {
		t.Fatal("Diff partitions not in order")
	}
}
