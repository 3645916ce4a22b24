package log

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentReadsDuringAppends runs readers, lookups, flushes and
// retention against one log while a writer appends and rolls segments.
// Every read must return whole valid batches containing the offset asked
// for, and never anything at or past the log end it saw. Run with -race.
func TestConcurrentReadsDuringAppends(t *testing.T) {
	cfg := smallConfig()
	cfg.RetentionMs = -1
	cfg.RetentionBytes = 20 * int64(cfg.SegmentBytes)
	cfg.FileDeleteDelayMs = 0
	l := openTestLog(t, testOptions(t, t.TempDir(), cfg))
	defer l.Close()
	const batches = 1500
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		defer done.Store(true)
		for i := range batches {
			if _, err := l.AppendAsLeader(buildBatch(idemBatch(1, 0, int32(i), 1, int64(i))), int32(i/100)); err != nil {
				t.Error(err)
				return
			}
			l.SetHighWatermark(l.EndOffset())
		}
	})
	for r := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for !done.Load() {
				start, hw := l.StartOffset(), l.HighWatermark()
				if hw <= start {
					continue
				}
				off := start + rng.Int64N(hw-start)
				res, err := l.Read(off, int32(rng.IntN(3000)), hw, true)
				if errors.Is(err, ErrOffsetOutOfRange) {
					continue // retention moved the start meanwhile
				}
				if err != nil {
					t.Error(err)
					return
				}
				hs := headers(t, res.Records)
				if len(hs) == 0 || hs[0].BaseOffset > off || hs[0].LastOffset() < off || hs[len(hs)-1].NextOffset() > hw {
					t.Errorf("read at %d (hw %d) returned %s", off, hw, describe(hs))
					return
				}
			}
		})
	}
	wg.Go(func() {
		for !done.Load() {
			if _, err := l.ApplyRetention(time.Now()); err != nil {
				t.Error(err)
			}
			if err := l.FlushIfDue(time.Now()); err != nil {
				t.Error(err)
			}
			if err := l.PurgeDeletedFiles(time.Now()); err != nil {
				t.Error(err)
			}
			if _, _, err := l.OffsetForTimestamp(int64(l.EndOffset() / 2)); err != nil {
				t.Error(err)
			}
			if _, _, err := l.MaxTimestamp(); err != nil {
				t.Error(err)
			}
			l.EndOffsetForEpoch(3)
			l.Producers()
		}
	})
	wg.Wait()
	if l.StartOffset() == 0 {
		t.Fatal("retention never ran")
	}
	checkContiguous(t, readAll(t, l), l.StartOffset(), batches)
}
