package log

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRetentionByTime(t *testing.T) {
	clock := newClock()
	cfg := smallConfig()
	cfg.RetentionMs = int64(time.Hour / time.Millisecond)
	cfg.FileDeleteDelayMs = 1000
	opts := testOptions(t, t.TempDir(), cfg)
	opts.Now = clock.Now
	l := openTestLog(t, opts)
	defer l.Close()
	old := clock.now.Add(-2 * time.Hour).UnixMilli()
	for i := range 30 {
		mustAppend(t, l, buildBatch(plainBatch(2, old+int64(i))), 1)
	}
	oldEnd := l.EndOffset()
	for i := range 30 {
		mustAppend(t, l, buildBatch(plainBatch(2, clock.now.UnixMilli()+int64(i))), 1)
	}
	// Nothing is deleted above the high watermark.
	if n, err := l.ApplyRetention(clock.now); err != nil || n != 0 {
		t.Fatalf("retention below hw 0: %d %v", n, err)
	}
	l.SetHighWatermark(l.EndOffset())
	n, err := l.ApplyRetention(clock.now)
	if err != nil || n == 0 {
		t.Fatalf("retention: %d %v", n, err)
	}
	bases := l.SegmentBaseOffsets()
	if l.StartOffset() != bases[0] || bases[0] > oldEnd {
		t.Fatalf("start %d, bases %v, old data ended at %d", l.StartOffset(), bases, oldEnd)
	}
	// The segment holding the boundary between old and new data stays.
	if res, err := l.Read(bases[0], 1<<20, l.EndOffset(), true); err != nil || len(res.Records) == 0 {
		t.Fatalf("read at new start: %v", err)
	}
	if _, err := l.Read(bases[0]-1, 100, l.EndOffset(), true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below the new start: %v", err)
	}
	// Files are renamed now and removed after file.delete.delay.ms.
	deleted, _ := filepath.Glob(filepath.Join(l.Dir(), "*.deleted"))
	if len(deleted) == 0 || l.PendingDeletes() != 1 {
		t.Fatalf("deleted files %v pending %d", deleted, l.PendingDeletes())
	}
	if err := l.PurgeDeletedFiles(clock.now); err != nil || l.PendingDeletes() != 1 {
		t.Fatalf("purged before the delay: %v", err)
	}
	clock.Advance(time.Second)
	if err := l.PurgeDeletedFiles(clock.now); err != nil || l.PendingDeletes() != 0 {
		t.Fatalf("purge: %v", err)
	}
	if deleted, _ := filepath.Glob(filepath.Join(l.Dir(), "*.deleted")); len(deleted) != 0 {
		t.Fatalf("files left: %v", deleted)
	}
}

func TestRetentionRollsWhenEverythingExpired(t *testing.T) {
	clock := newClock()
	cfg := smallConfig()
	cfg.RetentionMs = 1000
	opts := testOptions(t, t.TempDir(), cfg)
	opts.Now = clock.Now
	l := openTestLog(t, opts)
	for i := range 20 {
		mustAppend(t, l, buildBatch(plainBatch(2, clock.now.UnixMilli()+int64(i))), 1)
	}
	end := l.EndOffset()
	l.SetHighWatermark(end)
	clock.Advance(time.Hour)
	if _, err := l.ApplyRetention(clock.now); err != nil {
		t.Fatal(err)
	}
	if l.StartOffset() != end || l.EndOffset() != end || l.NumSegments() != 1 || l.Size() != 0 {
		t.Fatalf("start %d end %d segments %v size %d", l.StartOffset(), l.EndOffset(), l.SegmentBaseOffsets(), l.Size())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The empty segment's name keeps the log end across a restart even
	// without the log-start checkpoint.
	opts.CleanShutdown = true
	l2 := openTestLog(t, opts)
	defer l2.Close()
	if l2.EndOffset() != end || l2.StartOffset() != end {
		t.Fatalf("reopened at [%d, %d], want %d", l2.StartOffset(), l2.EndOffset(), end)
	}
	if res := mustAppend(t, l2, buildBatch(plainBatch(1, 0)), 2); res.FirstOffset != end {
		t.Fatalf("append at %d", res.FirstOffset)
	}
}

func TestRetentionBySize(t *testing.T) {
	cfg := smallConfig()
	cfg.RetentionMs = -1
	l := openTestLog(t, testOptions(t, t.TempDir(), cfg))
	defer l.Close()
	for i := range 50 {
		mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
	}
	l.SetHighWatermark(l.EndOffset())
	segs := l.NumSegments()
	cfg.RetentionBytes = l.Size() - 2*int64(cfg.SegmentBytes) - 1
	if err := l.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	n, err := l.ApplyRetention(time.Now())
	if err != nil || n != 2 {
		t.Fatalf("deleted %d segments (%v), want 2 of %d", n, err, segs)
	}
	if l.Size() > cfg.RetentionBytes+int64(cfg.SegmentBytes) || l.StartOffset() != l.SegmentBaseOffsets()[0] {
		t.Fatalf("size %d start %d", l.Size(), l.StartOffset())
	}
	cfg.Delete = false // cleanup.policy=compact: no size or time retention
	cfg.RetentionBytes = 1
	_ = l.SetConfig(cfg)
	if n, _ := l.ApplyRetention(time.Now()); n != 0 {
		t.Fatalf("compact-only log lost %d segments", n)
	}
}

func TestIncreaseStartOffset(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions(t, dir, smallConfig())
	l := openTestLog(t, opts)
	for i := range 40 {
		mustAppend(t, l, buildBatch(idemBatch(3, 0, int32(i*2), 2, int64(i))), 1)
	}
	if err := l.IncreaseStartOffset(50); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("above the high watermark: %v", err)
	}
	l.SetHighWatermark(80)
	segsBefore := l.NumSegments()
	if err := l.IncreaseStartOffset(51); err != nil {
		t.Fatal(err)
	}
	if l.StartOffset() != 51 || l.NumSegments() >= segsBefore || l.SegmentBaseOffsets()[0] > 51 {
		t.Fatalf("start %d segments %v", l.StartOffset(), l.SegmentBaseOffsets())
	}
	res, err := l.Read(51, 1000, 80, true)
	if err != nil || res.FirstOffset != 50 {
		t.Fatalf("read at the new start returns the batch holding it: %+v %v", res, err)
	}
	if _, err := l.Read(49, 1000, 80, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below start: %v", err)
	}
	if e := l.EpochEntries(); len(e) != 1 || e[0].StartOffset != 51 {
		t.Fatalf("epoch cache after start moved: %v", e)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	opts.CleanShutdown, opts.LogStartOffset = true, 51
	l2 := openTestLog(t, opts)
	defer l2.Close()
	if l2.StartOffset() != 51 {
		t.Fatalf("start after reopen %d", l2.StartOffset())
	}
	for _, name := range mustList(t, dir) {
		if off, ok := parseOffsetFileName(name, snapshotSuffix); ok && off < l2.SegmentBaseOffsets()[0] {
			t.Fatalf("snapshot %s below the first segment kept", name)
		}
	}
}

func mustList(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
