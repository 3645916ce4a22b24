package replication

import (
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/metadata/config"
	"github.com/skiffhq/skiff/metadata/image"
)

// leaderPartition is partition 0 of "t" led by node 1 at leaderEpoch, on
// a fresh log in a temp dir.
func leaderPartition(t *testing.T, leaderEpoch int32) *Partition {
	t.Helper()
	l, err := log.Open(log.Options{Dir: t.TempDir() + "/t-0", Topic: "t", Config: log.DefaultConfig(), CleanShutdown: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ip := &image.Partition{ID: 0, Leader: 1, LeaderEpoch: leaderEpoch, Replicas: []int32{1}, ISR: []int32{1}}
	return newPartition("t", ip, 1, l, config.EffectiveTopic(nil, nil), zerolog.Nop())
}

func appendRecords(t *testing.T, p *Partition, n int) {
	t.Helper()
	b := batch.NewBuilder(batch.DefaultBuilderOptions())
	for range n {
		b.AddSimple(nil, []byte("v"), time.Now().UnixMilli())
	}
	if _, err := p.Append(b.Build(), -1); err != nil {
		t.Fatal(err)
	}
}

// becomeLeaderAgain publishes a new leader epoch for p, as a leader
// change in the image does.
func becomeLeaderAgain(p *Partition, leaderEpoch int32) {
	p.setState(&image.Partition{ID: 0, Leader: 1, LeaderEpoch: leaderEpoch, Replicas: []int32{1}, ISR: []int32{1}})
}

func TestLeaderEpochFencing(t *testing.T) {
	defer goleak.VerifyNone(t)
	p := leaderPartition(t, 5)
	appendRecords(t, p, 2)
	tests := []struct {
		current int32
		want    error
	}{
		{NoLeaderEpoch, nil},
		{5, nil},
		{4, ErrFencedLeaderEpoch},
		{0, ErrFencedLeaderEpoch},
		{6, ErrUnknownLeaderEpoch},
	}
	for _, tt := range tests {
		_, err := p.Read(ReadRequest{Offset: 0, MaxBytes: 1 << 20, MinOneBatch: true, CurrentLeaderEpoch: tt.current, ReplicaID: Consumer})
		if !errors.Is(err, tt.want) {
			t.Errorf("Read at current epoch %d: %v, want %v", tt.current, err, tt.want)
		}
		if _, err := p.ListOffset(LatestTimestamp, tt.current); !errors.Is(err, tt.want) {
			t.Errorf("ListOffset at current epoch %d: %v, want %v", tt.current, err, tt.want)
		}
		if _, _, _, err := p.EndOffsetForEpoch(5, tt.current); !errors.Is(err, tt.want) {
			t.Errorf("EndOffsetForEpoch at current epoch %d: %v, want %v", tt.current, err, tt.want)
		}
	}
}

func TestEndOffsetForEpoch(t *testing.T) {
	defer goleak.VerifyNone(t)
	// Records appended at epoch 5 (offsets 0-2), then this broker becomes
	// leader again at epoch 7 without appending: Kafka's cache would hold
	// 5@0 and 7@3.
	withData := leaderPartition(t, 5)
	appendRecords(t, withData, 3)
	becomeLeaderAgain(withData, 7)
	// A leader of an empty log at epoch 2: Kafka's cache holds 2@0.
	empty := leaderPartition(t, 2)

	tests := []struct {
		name      string
		p         *Partition
		epoch     int32
		wantEpoch int32
		wantEnd   int64
		wantOK    bool
	}{
		{"current epoch, nothing appended in it", withData, 7, 7, 3, true},
		{"between the last append's epoch and the current", withData, 6, 5, 3, true},
		{"the last append's epoch", withData, 5, 5, 3, true},
		{"older than every epoch", withData, 4, 4, 0, true},
		{"newer than the current", withData, 8, -1, -1, false},
		{"undefined epoch", withData, -1, -1, -1, false},
		{"empty log, current epoch", empty, 2, 2, 0, true},
		{"empty log, older epoch", empty, 1, 1, 0, true},
		{"empty log, newer epoch", empty, 3, -1, -1, false},
	}
	for _, tt := range tests {
		epoch, end, ok, err := tt.p.EndOffsetForEpoch(tt.epoch, NoLeaderEpoch)
		if err != nil || epoch != tt.wantEpoch || end != tt.wantEnd || ok != tt.wantOK {
			t.Errorf("%s: (%d, %d, %v, %v), want (%d, %d, %v)", tt.name, epoch, end, ok, err, tt.wantEpoch, tt.wantEnd, tt.wantOK)
		}
	}

	// Once the leader appends in its epoch, the log's own cache answers.
	appendRecords(t, withData, 2)
	if epoch, end, ok, _ := withData.EndOffsetForEpoch(6, NoLeaderEpoch); epoch != 5 || end != 3 || !ok {
		t.Errorf("after appending at epoch 7, epoch 6: (%d, %d, %v), want (5, 3, true)", epoch, end, ok)
	}
	if epoch, end, ok, _ := withData.EndOffsetForEpoch(7, NoLeaderEpoch); epoch != 7 || end != 5 || !ok {
		t.Errorf("after appending at epoch 7, epoch 7: (%d, %d, %v), want (7, 5, true)", epoch, end, ok)
	}
}
