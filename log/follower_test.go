package log

import (
	"errors"
	"testing"

	"github.com/skiffhq/skiff/log/batch"
)

// leaderStamped builds a two-record batch as a leader stored it.
func leaderStamped(t *testing.T, base int64, epoch int32) []byte {
	t.Helper()
	raw := buildBatch(plainBatch(2, 0))
	batch.SetBaseOffset(raw, base)
	batch.SetPartitionLeaderEpoch(raw, epoch)
	return raw
}

func TestAppendAsFollowerKeepsLeaderOffsets(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
	defer l.Close()
	leader := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
	defer leader.Close()
	for i := range 20 {
		mustAppend(t, leader, buildBatch(idemBatch(2, 0, int32(2*i), 2, int64(i))), int32(i/7))
	}
	for off := int64(0); off < leader.EndOffset(); {
		res, err := leader.Read(off, 1500, leader.EndOffset(), true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.AppendAsFollower(res.Records); err != nil {
			t.Fatal(err)
		}
		off = l.EndOffset()
	}
	if got, want := describe(readAll(t, l)), describe(readAll(t, leader)); got != want {
		t.Fatalf("follower %s\nleader   %s", got, want)
	}
	if !equalEpochs(l.EpochEntries(), leader.EpochEntries()) {
		t.Fatalf("epochs %v vs %v", l.EpochEntries(), leader.EpochEntries())
	}
	if e, ok := l.Producer(2); !ok || e.Batches[len(e.Batches)-1].LastSeq != 39 {
		t.Fatalf("follower producer state %+v", e)
	}
	// A gap is allowed (the leader's log may be compacted), going back is not.
	if _, err := l.AppendAsFollower(leaderStamped(t, 45, 3)); err != nil {
		t.Fatalf("gap: %v", err)
	}
	if _, err := l.AppendAsFollower(leaderStamped(t, 46, 3)); !errors.Is(err, ErrUnexpectedOffset) {
		t.Fatalf("overlap: %v", err)
	}
	bad := leaderStamped(t, 47, 3)
	bad[len(bad)-1] ^= 1
	var fe *batch.FormatError
	if _, err := l.AppendAsFollower(bad); !errors.As(err, &fe) || fe.Reason != batch.ReasonCRC {
		t.Fatalf("bad crc: %v", err)
	}
}
