package log

import (
	"errors"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAppendReadAcrossRolls(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, testOptions(t, dir, smallConfig()))
	defer l.Close()
	var want int64
	for i := range 60 {
		epoch := int32(i / 20)
		res := mustAppend(t, l, buildBatch(plainBatch(3, 1000+int64(i))), epoch)
		if res.FirstOffset != want || res.LastOffset != want+2 {
			t.Fatalf("append %d got offsets [%d, %d], want [%d, %d]", i, res.FirstOffset, res.LastOffset, want, want+2)
		}
		want += 3
	}
	if l.NumSegments() < 3 {
		t.Fatalf("expected several segments with segment.bytes=4096, got %d", l.NumSegments())
	}
	hs := readAll(t, l)
	checkContiguous(t, hs, 0, 180)
	for i, h := range hs {
		if h.PartitionLeaderEpoch != int32(i/20) {
			t.Fatalf("batch %d has epoch %d, want %d", i, h.PartitionLeaderEpoch, i/20)
		}
	}
	if got := l.EpochEntries(); len(got) != 3 || got[1] != (EpochEntry{1, 60}) || got[2] != (EpochEntry{2, 120}) {
		t.Fatalf("epoch entries %v", got)
	}
	// Every offset can be read and the batch holding it comes first.
	for off := int64(0); off < 180; off++ {
		res, err := l.Read(off, 100, 180, true)
		if err != nil {
			t.Fatal(err)
		}
		hs := headers(t, res.Records)
		if len(hs) == 0 || hs[0].BaseOffset > off || hs[0].LastOffset() < off {
			t.Fatalf("read at %d returned %s", off, describe(hs))
		}
	}
	if _, err := l.Read(181, 100, 200, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read past end: %v", err)
	}
}

func TestReadLimits(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), DefaultConfig()))
	defer l.Close()
	sizes := map[int64]int{}
	for i := range 10 {
		raw := buildBatch(plainBatch(2, int64(i)))
		res := mustAppend(t, l, raw, 1)
		sizes[res.FirstOffset] = len(raw)
	}
	batchSize := sizes[0]
	l.SetHighWatermark(10)
	tests := []struct {
		name        string
		offset      int64
		maxBytes    int32
		maxOffset   int64
		minOneBatch bool
		wantFirst   int64 // -1: no records
		wantBatches int
		wantErr     error
	}{
		{"whole log", 0, 1 << 20, 20, false, 0, 10, nil},
		{"max bytes cuts at a batch boundary", 0, int32(3*batchSize + batchSize/2), 20, false, 0, 3, nil},
		{"offset inside a batch returns that batch", 5, int32(batchSize), 20, false, 4, 1, nil},
		{"max offset is the high watermark", 0, 1 << 20, 10, false, 0, 5, nil},
		{"nothing at or beyond max offset", 10, 1 << 20, 10, false, -1, 0, nil},
		{"first batch bigger than max bytes without minOneBatch", 0, int32(batchSize - 1), 20, false, -1, 0, nil},
		{"first batch bigger than max bytes with minOneBatch", 0, int32(batchSize - 1), 20, true, 0, 1, nil},
		{"zero max bytes with minOneBatch", 6, 0, 20, true, 6, 1, nil},
		{"read at the log end is empty", 20, 1 << 20, 20, true, -1, 0, nil},
		{"past the log end", 21, 1 << 20, 30, true, -1, 0, ErrOffsetOutOfRange},
		{"negative offset", -1, 1 << 20, 30, true, -1, 0, ErrOffsetOutOfRange},
		{"max offset above the log end is clamped", 18, 1 << 20, 1000, false, 18, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := l.Read(tt.offset, tt.maxBytes, tt.maxOffset, tt.minOneBatch)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			hs := headers(t, res.Records)
			if len(hs) != tt.wantBatches || res.FirstOffset != tt.wantFirst {
				t.Fatalf("got first %d and %d batches (%s), want first %d and %d", res.FirstOffset, len(hs), describe(hs), tt.wantFirst, tt.wantBatches)
			}
			if len(res.Records) > int(tt.maxBytes) && !(tt.minOneBatch && len(hs) == 1) {
				t.Fatalf("%d bytes exceed maxBytes %d", len(res.Records), tt.maxBytes)
			}
			if err == nil && (res.HighWatermark != 10 || res.LogEndOffset != 20 || res.LogStartOffset != 0) {
				t.Fatalf("offsets in result: %+v", res)
			}
		})
	}
}

func TestReopenAfterCleanClose(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions(t, dir, smallConfig())
	l := openTestLog(t, opts)
	for i := range 40 {
		mustAppend(t, l, buildBatch(plainBatch(2, 5000+int64(i))), 3)
	}
	l.SetHighWatermark(70)
	end, rp := l.EndOffset(), l.RecoveryPoint()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if rp >= end {
		t.Fatalf("recovery point %d should trail the end %d before close (no flush.messages)", rp, end)
	}
	opts.CleanShutdown, opts.RecoveryPoint, opts.HighWatermark = true, end, 70
	l2 := openTestLog(t, opts)
	defer l2.Close()
	if l2.EndOffset() != end || l2.HighWatermark() != 70 || l2.RecoveryPoint() != end {
		t.Fatalf("reopened end %d hw %d rp %d, want %d 70 %d", l2.EndOffset(), l2.HighWatermark(), l2.RecoveryPoint(), end, end)
	}
	if r := l2.Recovery(); r.SegmentsRecovered != 0 || r.Truncation != nil || len(r.IndexRebuilds) != 0 {
		t.Fatalf("clean reopen did recovery work: %+v", r)
	}
	checkContiguous(t, readAll(t, l2), 0, end)
	res := mustAppend(t, l2, buildBatch(plainBatch(1, 9999)), 4)
	if res.FirstOffset != end {
		t.Fatalf("append after reopen at %d, want %d", res.FirstOffset, end)
	}
	if ts, ok, err := l2.MaxTimestamp(); err != nil || !ok || ts.Timestamp != 9999 || ts.Offset != end {
		t.Fatalf("max timestamp %+v %v %v", ts, ok, err)
	}
}

func TestReopenWithoutCleanShutdownRecoversFromRecoveryPoint(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions(t, dir, smallConfig())
	l := openTestLog(t, opts)
	for i := range 40 {
		mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
	}
	if err := l.FlushUpTo(40); err != nil {
		t.Fatal(err)
	}
	rp := l.RecoveryPoint()
	if rp != 40 {
		t.Fatalf("recovery point %d after flush to 40", rp)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	opts.RecoveryPoint = rp
	l2 := openTestLog(t, opts)
	defer l2.Close()
	r := l2.Recovery()
	if r.SegmentsRecovered == 0 || r.SegmentsRecovered >= l2.NumSegments() {
		t.Fatalf("expected only segments from the recovery point on to be recovered, got %d of %d", r.SegmentsRecovered, l2.NumSegments())
	}
	if r.Truncation != nil || l2.EndOffset() != 80 || l2.RecoveryPoint() != 80 {
		t.Fatalf("report %+v end %d rp %d", r, l2.EndOffset(), l2.RecoveryPoint())
	}
	checkContiguous(t, readAll(t, l2), 0, 80)
}
