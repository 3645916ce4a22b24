package log

import (
	"testing"
)

// epochLog writes batches of two records with leader epochs 0 (offsets
// 0-9), 2 (10-19) and 5 (20-29).
func epochLog(t *testing.T) (*Log, Options) {
	t.Helper()
	opts := testOptions(t, t.TempDir(), smallConfig())
	l := openTestLog(t, opts)
	for _, epoch := range []int32{0, 2, 5} {
		for range 5 {
			mustAppend(t, l, buildBatch(plainBatch(2, 0)), epoch)
		}
	}
	return l, opts
}

func TestEndOffsetForEpoch(t *testing.T) {
	l, _ := epochLog(t)
	defer l.Close()
	tests := []struct {
		epoch     int32
		wantEpoch int32
		wantEnd   int64
		wantOK    bool
	}{
		{-1, -1, -1, false}, // undefined epoch
		{0, 0, 10, true},    // known epoch: where the next starts
		{1, 0, 10, true},    // unknown epoch between known ones: the one below
		{2, 2, 20, true},
		{4, 2, 20, true},
		{5, 5, 30, true}, // latest epoch: the log end
		{6, -1, -1, false},
	}
	for _, tt := range tests {
		e, end, ok := l.EndOffsetForEpoch(tt.epoch)
		if e != tt.wantEpoch || end != tt.wantEnd || ok != tt.wantOK {
			t.Errorf("epoch %d: got (%d, %d, %v), want (%d, %d, %v)", tt.epoch, e, end, ok, tt.wantEpoch, tt.wantEnd, tt.wantOK)
		}
	}
	if e, ok := l.LatestEpoch(); !ok || e != 5 {
		t.Errorf("latest epoch %d %v", e, ok)
	}
}

func TestTruncateTo(t *testing.T) {
	tests := []struct {
		name      string
		offset    int64
		wantEnd   int64
		wantEpoch []EpochEntry
	}{
		{"at the log end is a no-op", 30, 30, []EpochEntry{{0, 0}, {2, 10}, {5, 20}}},
		{"to an epoch boundary", 20, 20, []EpochEntry{{0, 0}, {2, 10}}},
		{"inside an epoch", 14, 14, []EpochEntry{{0, 0}, {2, 10}}},
		{"a straddled batch goes whole", 15, 14, []EpochEntry{{0, 0}, {2, 10}}},
		{"to the first batch", 2, 2, []EpochEntry{{0, 0}}},
		{"to zero", 0, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, opts := epochLog(t)
			l.SetHighWatermark(30)
			if err := l.TruncateTo(tt.offset); err != nil {
				t.Fatal(err)
			}
			if l.EndOffset() != tt.wantEnd || l.HighWatermark() > tt.wantEnd {
				t.Fatalf("end %d hw %d, want end %d", l.EndOffset(), l.HighWatermark(), tt.wantEnd)
			}
			checkContiguous(t, readAll(t, l), 0, tt.wantEnd)
			if got := l.EpochEntries(); !equalEpochs(got, tt.wantEpoch) {
				t.Fatalf("epochs %v, want %v", got, tt.wantEpoch)
			}
			res := mustAppend(t, l, buildBatch(plainBatch(1, 0)), 7)
			if res.FirstOffset != tt.wantEnd {
				t.Fatalf("append at %d", res.FirstOffset)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			opts.CleanShutdown = true
			l2 := openTestLog(t, opts)
			defer l2.Close()
			checkContiguous(t, readAll(t, l2), 0, tt.wantEnd+1)
			if got := l2.EpochEntries(); got[len(got)-1] != (EpochEntry{7, tt.wantEnd}) {
				t.Fatalf("epochs after reopen %v", got)
			}
		})
	}
}

func TestTruncateRestoresProducerState(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
	defer l.Close()
	for i := range 30 {
		mustAppend(t, l, buildBatch(idemBatch(4, 0, int32(i), 1, 0)), 0)
	}
	if err := l.TruncateTo(12); err != nil {
		t.Fatal(err)
	}
	e, ok := l.Producer(4)
	if !ok || e.Batches[len(e.Batches)-1].LastSeq != 11 {
		t.Fatalf("producer after truncation %+v", e)
	}
	if res := mustAppend(t, l, buildBatch(idemBatch(4, 0, 12, 1, 0)), 0); res.FirstOffset != 12 || res.Duplicate {
		t.Fatalf("sequence 12 after truncating to 12: %+v", res)
	}
}

func TestTruncateFullyAndStartAt(t *testing.T) {
	l, opts := epochLog(t)
	if err := l.TruncateFullyAndStartAt(1000); err != nil {
		t.Fatal(err)
	}
	if l.StartOffset() != 1000 || l.EndOffset() != 1000 || len(l.EpochEntries()) != 0 || l.Size() != 0 {
		t.Fatalf("start %d end %d epochs %v", l.StartOffset(), l.EndOffset(), l.EpochEntries())
	}
	if res, err := l.AppendAsFollower(leaderStamped(t, 1000, 3)); err != nil || res.FirstOffset != 1000 {
		t.Fatalf("follower append: %+v %v", res, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	opts.CleanShutdown, opts.LogStartOffset = true, 1000
	l2 := openTestLog(t, opts)
	defer l2.Close()
	checkContiguous(t, readAll(t, l2), 1000, 1002)
}

func equalEpochs(a, b []EpochEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
