package image

import (
	"errors"
	"testing"

	"github.com/skiffhq/skiff/metadata/record"
)

// assertSnapshotRoundTrip encodes img's records to bytes, decodes them and
// rebuilds the image, which must equal the original.
func assertSnapshotRoundTrip(t *testing.T, img *Image) {
	t.Helper()
	decoded, err := record.Decode(record.Encode(Records(img)))
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder(img.ClusterID())
	if err := b.Add(decoded...); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	rebuilt := b.Build(img.Offset(), img.Term())
	if !Equal(img, rebuilt) {
		t.Fatal("rebuilt image differs")
	}
	if rebuilt.NumPartitions() != img.NumPartitions() || rebuilt.NextProducerID() != img.NextProducerID() {
		t.Fatal("derived counters differ")
	}
	for top := range img.Topics() {
		other, ok := rebuilt.TopicByID(top.ID())
		if !ok || other.Name() != top.Name() {
			t.Fatalf("topic %s lost its id index", top.Name())
		}
		if _, ok := rebuilt.CollidingTopic(top.Name()); !ok {
			t.Fatalf("topic %s lost its collision key", top.Name())
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	l := base(t)
	l.apply(&record.BrokerRegistrationChange{BrokerID: 2, BrokerEpoch: 20, Fenced: record.Fence, InControlledShutdown: record.EnterControlledShutdown})
	l.apply(&record.Config{ResourceType: record.ResourceBroker, ResourceName: "", Name: "log.retention.ms", Value: str("7")})
	l.apply(&record.PartitionChange{TopicID: tid(1), PartitionID: 1, Leader: 1, ISR: []int32{1}, AddingReplicas: []int32{2}})
	l.apply(topicRecords("a.b", tid(3), 5, 1, 2)...)
	assertSnapshotRoundTrip(t, l.img)
	assertSnapshotRoundTrip(t, New("empty"))
}

func TestEqualDetectsDifferences(t *testing.T) {
	l := base(t)
	a := l.img
	l.apply(&record.Config{ResourceType: record.ResourceTopic, ResourceName: "orders", Name: "x", Value: str("y")})
	if Equal(a, l.img) || Equal(a, a.Advance(a.Offset()+1, a.Term())) || !Equal(a, a) {
		t.Fatal("Equal is wrong")
	}
}

func TestEachRecordStopsOnError(t *testing.T) {
	l := base(t)
	stop := errors.New("stop")
	n := 0
	err := l.img.EachRecord(func(record.Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("got %v after %d records", err, n)
	}
}

func TestBuilderRejectsInvalidRecords(t *testing.T) {
	b := NewBuilder("c")
	err := b.Add(&record.Partition{TopicID: tid(1), Replicas: []int32{1}, ISR: []int32{1}, Leader: 1})
	if !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("got %v", err)
	}
}
