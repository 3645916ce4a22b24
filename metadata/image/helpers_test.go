package image

import (
	"fmt"
	"testing"

	"github.com/skiffhq/skiff/metadata/record"
)

func str(s string) *string { return &s }

func tid(n int) record.UUID {
	var u record.UUID
	u[0] = 0xab
	u[14], u[15] = byte(n>>8), byte(n)
	u[13] = byte(n >> 16)
	return u
}

func broker(id int32, epoch int64) *record.RegisterBroker {
	return &record.RegisterBroker{
		BrokerID: id, IncarnationID: tid(1000 + int(id)), BrokerEpoch: epoch,
		Endpoints: []record.Endpoint{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: uint16(9000 + id)}},
		Rack:      fmt.Sprintf("rack-%d", id%2),
	}
}

// topicRecords is the entry the controller would write to create a topic
// whose partition p is led by replicas[0] of its rotated assignment.
func topicRecords(name string, id record.UUID, partitions int, replicas ...int32) []record.Record {
	recs := []record.Record{&record.Topic{Name: name, TopicID: id}}
	for p := 0; p < partitions; p++ {
		rs := make([]int32, len(replicas))
		for i := range replicas {
			rs[i] = replicas[(p+i)%len(replicas)]
		}
		recs = append(recs, &record.Partition{TopicID: id, PartitionID: int32(p), Replicas: rs, ISR: rs, Leader: rs[0]})
	}
	return recs
}

// applier keeps the next offset so tests read as a log.
type log struct {
	t   testing.TB
	img *Image
}

func newLog(t testing.TB) *log { return &log{t: t, img: New("test-cluster")} }

func (l *log) apply(recs ...record.Record) *Delta {
	l.t.Helper()
	next, d, err := l.img.Apply(l.img.Offset()+1, 1, recs)
	if err != nil {
		l.t.Fatalf("apply %d records: %v", len(recs), err)
	}
	l.img = next
	return d
}

func (l *log) reject(recs ...record.Record) error {
	l.t.Helper()
	next, d, err := l.img.Apply(l.img.Offset()+1, 1, recs)
	if err == nil {
		l.t.Fatalf("entry was accepted, want rejection")
	}
	if next != l.img || d != nil {
		l.t.Fatalf("rejected entry changed the image or returned a delta")
	}
	return err
}
