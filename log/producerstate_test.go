package log

import (
	"errors"
	"math"
	"testing"
)

// TestIdempotentProducerRules drives one log through a sequence of
// producer appends and checks Kafka's ProducerStateManager answers.
func TestIdempotentProducerRules(t *testing.T) {
	type step struct {
		name    string
		batch   testBatch
		wantErr error
		wantDup bool
		wantOff int64 // expected FirstOffset (original offsets for a duplicate)
	}
	steps := []step{
		{"unknown producer may start at any sequence", idemBatch(7, 0, 42, 3, 1), nil, false, 0},
		{"next in sequence", idemBatch(7, 0, 45, 2, 2), nil, false, 3},
		{"retry of the latest batch is a duplicate", idemBatch(7, 0, 45, 2, 2), nil, true, 3},
		{"retry of an older batch is a duplicate", idemBatch(7, 0, 42, 3, 1), nil, true, 0},
		{"gap in sequence", idemBatch(7, 0, 48, 1, 3), ErrOutOfOrderSequence, false, 0},
		{"sequence already used but different range", idemBatch(7, 0, 46, 1, 3), ErrOutOfOrderSequence, false, 0},
		{"in order again after rejected batches", idemBatch(7, 0, 47, 1, 3), nil, false, 5},
		{"new epoch must start at zero", idemBatch(7, 1, 5, 1, 4), ErrOutOfOrderSequence, false, 0},
		{"new epoch at zero", idemBatch(7, 1, 0, 2, 4), nil, false, 6},
		{"previous epoch now rejected", idemBatch(7, 0, 48, 1, 5), ErrInvalidProducerEpoch, false, 0},
		{"old epoch's batch is no longer a duplicate", idemBatch(7, 0, 45, 2, 2), ErrInvalidProducerEpoch, false, 0},
		{"other producers are independent", idemBatch(8, 3, 100, 1, 6), nil, false, 8},
		{"non-idempotent batches skip all checks", plainBatch(1, 7), nil, false, 9},
	}
	l := openTestLog(t, testOptions(t, t.TempDir(), DefaultConfig()))
	defer l.Close()
	for _, s := range steps {
		end := l.EndOffset()
		res, err := l.AppendAsLeader(buildBatch(s.batch), 1)
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err %v, want %v", s.name, err, s.wantErr)
		}
		if err != nil {
			if l.EndOffset() != end {
				t.Fatalf("%s: rejected append moved the log end from %d to %d", s.name, end, l.EndOffset())
			}
			continue
		}
		if res.Duplicate != s.wantDup || res.FirstOffset != s.wantOff {
			t.Fatalf("%s: got %+v, want duplicate=%v first=%d", s.name, res, s.wantDup, s.wantOff)
		}
		if s.wantDup && l.EndOffset() != end {
			t.Fatalf("%s: duplicate wrote data", s.name)
		}
	}
	e, ok := l.Producer(7)
	if !ok || e.Epoch != 1 || len(e.Batches) != 1 || e.Batches[0].LastSeq != 1 {
		t.Fatalf("producer 7 state %+v", e)
	}
}

func TestFiveBatchesRetainedForDuplicates(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), DefaultConfig()))
	defer l.Close()
	for i := range 7 {
		mustAppend(t, l, buildBatch(idemBatch(1, 0, int32(i), 1, int64(i))), 0)
	}
	for seq := int32(2); seq < 7; seq++ {
		res := mustAppend(t, l, buildBatch(idemBatch(1, 0, seq, 1, 0)), 0)
		if !res.Duplicate || res.FirstOffset != int64(seq) {
			t.Fatalf("seq %d: %+v", seq, res)
		}
	}
	if _, err := l.AppendAsLeader(buildBatch(idemBatch(1, 0, 1, 1, 0)), 0); !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("batch older than the last five: %v", err)
	}
}

func TestSequenceWrapsAtMaxInt32(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), DefaultConfig()))
	defer l.Close()
	mustAppend(t, l, buildBatch(idemBatch(9, 0, math.MaxInt32-1, 2, 0)), 0)
	if _, err := l.AppendAsLeader(buildBatch(idemBatch(9, 0, 0, 1, 0)), 0); err != nil {
		t.Fatalf("sequence after MaxInt32 must be 0: %v", err)
	}
	res := mustAppend(t, l, buildBatch(idemBatch(9, 0, math.MaxInt32-1, 2, 0)), 0)
	if !res.Duplicate {
		t.Fatalf("wrapped retry not a duplicate: %+v", res)
	}
}

// TestProducerStateSurvivesReopen checks both ways producer state comes
// back: from the snapshot a clean close writes, and by replaying the log
// after a crash (no snapshot at the end).
func TestProducerStateSurvivesReopen(t *testing.T) {
	for _, clean := range []bool{true, false} {
		name := map[bool]string{true: "clean close", false: "crash"}[clean]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			opts := testOptions(t, dir, smallConfig())
			l := openTestLog(t, opts)
			for i := range 30 {
				mustAppend(t, l, buildBatch(idemBatch(5, 2, int32(i*2), 2, int64(i))), 0)
			}
			if clean {
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				crashClose(l)
			}
			opts.CleanShutdown = clean
			l2 := openTestLog(t, opts)
			defer l2.Close()
			for seq := int32(50); seq < 60; seq += 2 {
				res := mustAppend(t, l2, buildBatch(idemBatch(5, 2, seq, 2, 0)), 0)
				if !res.Duplicate || res.FirstOffset != int64(seq) {
					t.Fatalf("retry of seq %d after reopen: %+v", seq, res)
				}
			}
			if _, err := l2.AppendAsLeader(buildBatch(idemBatch(5, 2, 61, 1, 0)), 0); !errors.Is(err, ErrOutOfOrderSequence) {
				t.Fatalf("gap after reopen: %v", err)
			}
			if _, err := l2.AppendAsLeader(buildBatch(idemBatch(5, 1, 0, 1, 0)), 0); !errors.Is(err, ErrInvalidProducerEpoch) {
				t.Fatalf("old epoch after reopen: %v", err)
			}
			mustAppend(t, l2, buildBatch(idemBatch(5, 2, 60, 1, 0)), 0)
		})
	}
}

// crashClose releases a log's files without flushing, snapshotting or
// trimming anything, leaving the directory as a killed process would.
func crashClose(l *Log) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.segmentsMu.Lock()
	defer l.segmentsMu.Unlock()
	l.closed.Store(true)
	for _, s := range l.segments {
		_ = s.close(false)
	}
}

func TestProducerSnapshotRoundTrip(t *testing.T) {
	entries := []ProducerEntry{
		{ProducerID: 1, Epoch: 0, Batches: []ProducerBatch{{FirstSeq: 0, LastSeq: 4, FirstOffset: 10, LastOffset: 14, Timestamp: 99}}},
		{ProducerID: 1 << 40, Epoch: 32000, Batches: []ProducerBatch{
			{FirstSeq: math.MaxInt32 - 1, LastSeq: 0, FirstOffset: 1, LastOffset: 2, Timestamp: -1},
			{FirstSeq: 1, LastSeq: 1, FirstOffset: 3, LastOffset: 3, Timestamp: 5},
		}},
	}
	got, err := DecodeProducerSnapshot(EncodeProducerSnapshot(entries))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Epoch != 32000 || got[1].Batches[0] != entries[1].Batches[0] || got[0].Batches[0] != entries[0].Batches[0] {
		t.Fatalf("round trip: %+v", got)
	}
	data := EncodeProducerSnapshot(entries)
	data[len(data)-1] ^= 1
	if _, err := DecodeProducerSnapshot(data); !errors.Is(err, ErrSnapshotFormat) {
		t.Fatalf("flipped bit: %v", err)
	}
}
