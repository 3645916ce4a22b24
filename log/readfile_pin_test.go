package log

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// deletedFDs counts this process's descriptors of files under dir that
// were deleted while open.
func deletedFDs(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, dir) && strings.HasSuffix(target, " (deleted)") {
			n++
		}
	}
	return n
}

func TestReadFilePinSurvivesFileCacheEviction(t *testing.T) {
	cache := NewFileCache(1)
	opts := testOptions(t, t.TempDir(), smallConfig())
	opts.Files = cache
	l := openTestLog(t, opts)
	defer l.Close()
	appendVaried(t, l, 0, 60)
	end := l.EndOffset()
	want, err := l.Read(0, 1<<20, end, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.ReadFile(0, 1<<20, end, true)
	if err != nil || len(res.Slices) != 1 {
		t.Fatalf("read: %v, %d slices", err, len(res.Slices))
	}
	first := l.segments[0].file
	readAll(t, l) // opens every segment in turn: with capacity 1, idle files are closed
	if !first.isOpen() {
		t.Fatal("the pinned file was closed by eviction")
	}
	if got := sliceBytes(t, res); !bytes.Equal(got, want.Records) {
		t.Fatalf("pinned slice reads %d bytes, not the %d stored", len(got), len(want.Records))
	}
	f := res.Slices[0].File
	res.Release()
	readAll(t, l)
	if first.isOpen() || cache.Open() > 1 {
		t.Fatalf("after Release: first file open %t, %d files open with capacity 1", first.isOpen(), cache.Open())
	}
	if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("reading the released file: %v, want it closed", err)
	}
}

// TestReadFilePinSurvivesDeletion pins the oldest segment, deletes it in
// each way the log can, and reads the pinned range afterwards: the bytes
// are still there, and the descriptor goes with Release.
func TestReadFilePinSurvivesDeletion(t *testing.T) {
	deletions := []struct {
		name   string
		delete func(t *testing.T, l *Log)
	}{
		{"retention, files removed at once", func(t *testing.T, l *Log) {
			if n, err := l.ApplyRetention(time.Now()); err != nil || n == 0 {
				t.Fatalf("retention deleted %d segments: %v", n, err)
			}
			if err := l.PurgeDeletedFiles(time.Now()); err != nil {
				t.Fatal(err)
			}
			if left, _ := filepath.Glob(filepath.Join(l.Dir(), "*.deleted")); len(left) != 0 {
				t.Fatalf("files not removed: %v", left)
			}
		}},
		{"log deleted", func(t *testing.T, l *Log) {
			if err := l.Delete(); err != nil {
				t.Fatal(err)
			}
		}},
		{"log closed", func(t *testing.T, l *Log) {
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, d := range deletions {
		t.Run(d.name, func(t *testing.T) {
			cfg := smallConfig()
			cfg.RetentionMs, cfg.RetentionBytes, cfg.FileDeleteDelayMs = -1, 2*int64(cfg.SegmentBytes), 0
			dir := t.TempDir()
			l := openTestLog(t, testOptions(t, dir, cfg))
			defer l.Close()
			appendVaried(t, l, 0, 60)
			l.SetHighWatermark(l.EndOffset())
			want, err := l.Read(0, 1<<20, l.EndOffset(), true)
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.ReadFile(0, 1<<20, l.EndOffset(), true)
			if err != nil || len(res.Slices) != 1 {
				t.Fatalf("read: %v, %d slices", err, len(res.Slices))
			}
			d.delete(t, l)
			if got := sliceBytes(t, res); !bytes.Equal(got, want.Records) {
				t.Fatalf("pinned slice reads %d bytes, not the %d stored", len(got), len(want.Records))
			}
			f := res.Slices[0].File
			res.Release()
			if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
				t.Fatalf("reading the released file: %v, want it closed", err)
			}
			if n := deletedFDs(t, dir); n != 0 {
				t.Fatalf("%d descriptors of deleted files left open", n)
			}
		})
	}
}

// TestReadFileTruncatedBelowPin records what a truncation below a pinned
// range does: the file is cut, so the range's tail is gone and a sendfile
// of it comes up short.
func TestReadFileTruncatedBelowPin(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), bigSegmentConfig()))
	defer l.Close()
	appendVaried(t, l, 0, 20)
	bounds := batchBounds(t, l)
	res, err := l.ReadFile(bounds[5], 1<<20, l.EndOffset(), true)
	if err != nil || len(res.Slices) != 1 {
		t.Fatalf("read: %v, %d slices", err, len(res.Slices))
	}
	defer res.Release()
	kept, err := l.Read(bounds[5], 1<<20, bounds[8], true)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.TruncateTo(bounds[8]); err != nil {
		t.Fatal(err)
	}
	s := res.Slices[0]
	buf := make([]byte, s.Size)
	n, err := s.File.ReadAt(buf, s.Offset)
	if !errors.Is(err, io.EOF) || n != len(kept.Records) || !bytes.Equal(buf[:n], kept.Records) {
		t.Fatalf("after truncation the pinned range reads %d bytes (%v), want the %d kept", n, err, len(kept.Records))
	}
}

// countingFS counts the bytes read from segment (.log) files.
type countingFS struct {
	vfs.FS
	logBytes *atomic.Int64
}

type countingFile struct {
	vfs.File
	n *atomic.Int64
}

func (c countingFS) OpenFile(name string, flag int, perm os.FileMode) (vfs.File, error) {
	f, err := c.FS.OpenFile(name, flag, perm)
	if err != nil || !strings.HasSuffix(name, logSuffix) {
		return f, err
	}
	return countingFile{f, c.logBytes}, nil
}

func (f countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	f.n.Add(int64(n))
	return n, err
}

// TestReadFileReadsNoRecordBytes serves reads from a log of 16 KiB
// batches in several segments, counting every byte read from the segment
// files: only batch headers may be read (a few per call), and a read in
// the active segment starting on a batch boundary reads nothing.
func TestReadFileReadsNoRecordBytes(t *testing.T) {
	var logBytes atomic.Int64
	cfg := DefaultConfig()
	cfg.SegmentBytes = 200 << 10
	opts := testOptions(t, t.TempDir(), cfg)
	opts.FS = countingFS{vfs.OS(), &logBytes}
	l := openTestLog(t, opts)
	defer l.Close()
	for i := range 45 { // the last segment gets several batches
		raw := benchBatch()
		if i%5 == 0 {
			raw = append(raw, buildBatch(plainBatch(3, int64(i)))...) // a small batch too
		}
		mustAppend(t, l, raw, 1)
	}
	end := l.EndOffset()
	l.SetHighWatermark(end - 40)
	bounds := batchBounds(t, l)
	if l.NumSegments() < 3 {
		t.Fatalf("want several segments, have %d", l.NumSegments())
	}
	calls, maxPerCall := 0, int64(0)
	for i, b := range bounds[:len(bounds)-1] {
		maxOffsets := []int64{end, l.HighWatermark(), bounds[min(i+2, len(bounds)-1)]}
		for _, off := range []int64{b, b + 1} {
			for _, mo := range maxOffsets {
				for _, mb := range []int32{100, 20_000, 1 << 20} {
					before := logBytes.Load()
					res, err := l.ReadFile(off, mb, mo, true)
					if err != nil {
						t.Fatal(err)
					}
					res.Release()
					maxPerCall = max(maxPerCall, logBytes.Load()-before)
					calls++
				}
			}
		}
	}
	t.Logf("%d calls read at most %d bytes of segment files each", calls, maxPerCall)
	// Two header walks (start and end), each from an index entry at most
	// two batches before its target: a small batch after a big one takes
	// the index entry, the big one after it does not.
	if maxPerCall > 4*batch.HeaderSize {
		t.Fatalf("a ReadFile read %d bytes of a segment file: more than four batch headers", maxPerCall)
	}
	// In the active segment the append ring knows both ends of a read
	// that starts on a batch boundary: no I/O at all.
	before, active := logBytes.Load(), l.SegmentBaseOffsets()[l.NumSegments()-1]
	tail := 0
	for _, b := range bounds[:len(bounds)-1] {
		if b < active {
			continue
		}
		tail++
		res, err := l.ReadFile(b, 1<<20, end, true)
		if err != nil || res.Size == 0 {
			t.Fatalf("tail read at %d: %v, %d bytes", b, err, res.Size)
		}
		res.Release()
	}
	if n := logBytes.Load() - before; n != 0 || tail < 3 {
		t.Fatalf("%d tail reads read %d bytes of segment files", tail, n)
	}
}

// TestReadFileAllocations checks a read costs one allocation (its
// result) on the active segment, from the ring or the index.
func TestReadFileAllocations(t *testing.T) {
	opts := testOptions(t, t.TempDir(), DefaultConfig())
	l := openTestLog(t, opts)
	defer l.Close()
	for range 64 {
		mustAppend(t, l, benchBatch(), 1)
	}
	end := l.EndOffset()
	for _, tc := range []struct {
		name   string
		offset int64
	}{{"from the index", 16 * 3}, {"from the append ring", end - 16*2}} {
		allocs := testing.AllocsPerRun(50, func() {
			res, err := l.ReadFile(tc.offset, 1<<20, end, true)
			if err != nil || res.Size == 0 {
				t.Fatalf("read: %v", err)
			}
			res.Release()
		})
		if allocs > 1 {
			t.Errorf("%s: %v allocations per ReadFile, want 1", tc.name, allocs)
		}
	}
}

// TestReadFileDuringAppends reads while a writer appends (rolling
// segments, moving a lagging high watermark) and retention deletes old
// segments. Each read, at the high watermark or at a log end read just
// before, must be exactly Kafka's slice of the log it saw: the bytes the
// log holds from the start batch, cut at maxBytes, never reaching a batch
// at or after maxOffset, and readable through the pin even when the
// segment was deleted meanwhile. Run with -race.
func TestReadFileDuringAppends(t *testing.T) {
	cfg := smallConfig()
	cfg.SegmentBytes = 16 << 10
	cfg.RetentionMs, cfg.RetentionBytes, cfg.FileDeleteDelayMs = -1, 4*int64(cfg.SegmentBytes), 0
	l := openTestLog(t, testOptions(t, t.TempDir(), cfg))
	defer l.Close()
	const appends = 600
	var done atomic.Bool
	var reads, cuts atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		defer done.Store(true)
		for i := range appends {
			before := l.EndOffset()
			raw := variedBatch(i)
			if i%4 == 0 {
				raw = append(raw, variedBatch(i+1)...)
			}
			if _, err := l.AppendAsLeader(raw, int32(i/100)); err != nil {
				t.Error(err)
				return
			}
			l.SetHighWatermark(before) // trails the log end by one append
		}
	})
	for r := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for !done.Load() {
				if err := readFileOnce(l, rng, &cuts); err != nil {
					t.Error(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	wg.Go(func() {
		for !done.Load() {
			if _, err := l.ApplyRetention(time.Now()); err != nil {
				t.Error(err)
			}
			if err := l.PurgeDeletedFiles(time.Now()); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	t.Logf("%d reads, %d cut short by max bytes", reads.Load(), cuts.Load())
	if l.StartOffset() == 0 {
		t.Fatal("retention never ran")
	}
	sweepReadFile(t, l)
}

// readFileOnce makes one random ReadFile and checks it against the log.
func readFileOnce(l *Log, rng *rand.Rand, cuts *atomic.Int64) error {
	maxOffset := l.HighWatermark()
	if rng.IntN(2) == 0 {
		maxOffset = l.EndOffset()
	}
	start := l.StartOffset()
	if maxOffset <= start {
		return nil
	}
	offset := start + rng.Int64N(maxOffset-start)
	maxBytes, minOne := int32(rng.IntN(1500)), rng.IntN(2) == 0
	res, err := l.ReadFile(offset, maxBytes, maxOffset, minOne)
	defer res.Release()
	if errors.Is(err, ErrOffsetOutOfRange) {
		return nil // retention moved the start meanwhile
	}
	if err != nil {
		return err
	}
	call := fmt.Sprintf("ReadFile(%d, %d, %d, %t)", offset, maxBytes, maxOffset, minOne)
	var data []byte
	for _, s := range res.Slices {
		buf := make([]byte, s.Size)
		if n, err := s.File.ReadAt(buf, s.Offset); n < s.Size {
			return fmt.Errorf("%s: pinned slice read %d of %d bytes: %v", call, n, s.Size, err)
		}
		data = append(data, buf...)
	}
	// Batches below maxOffset never move, so a later Read without a byte
	// limit gives the reference (unless retention deleted them by now).
	all, err := l.Read(offset, 1<<30, maxOffset, true)
	if errors.Is(err, ErrOffsetOutOfRange) {
		return nil
	}
	if err != nil {
		return err
	}
	n := wholeBatchesWithin(all.Records, int(maxBytes), minOne)
	if !bytes.Equal(data, all.Records[:n]) {
		return fmt.Errorf("%s: %d bytes (%s), want the first %d of %d (%s)", call, len(data), describeRange(data), n, len(all.Records), describeRange(all.Records))
	}
	if wantFirst := map[bool]int64{true: all.FirstOffset, false: -1}[n > 0]; res.FirstOffset != wantFirst {
		return fmt.Errorf("%s: first offset %d, want %d", call, res.FirstOffset, wantFirst)
	}
	if n < len(all.Records) && int(maxBytes) < len(all.Records) {
		cuts.Add(1)
	}
	return nil
}

// wholeBatchesWithin is how many bytes of records' whole batches fit in
// maxBytes (the first batch alone if it does not fit and minOne).
func wholeBatchesWithin(records []byte, maxBytes int, minOne bool) int {
	n := 0
	for rest := records; ; {
		raw, next, ok := batch.Next(rest)
		if !ok || n+len(raw) > maxBytes {
			if ok && n == 0 && minOne {
				return len(raw)
			}
			return n
		}
		n, rest = n+len(raw), next
	}
}

// TestReadFileOnFaultFS serves a read from a log on the fault-injecting
// filesystem: the slice's File is the wrapper, and its descriptor reads
// the same bytes with pread, as sendfile would.
func TestReadFileOnFaultFS(t *testing.T) {
	opts := testOptions(t, t.TempDir(), smallConfig())
	opts.FS = vfs.NewFaultFS(vfs.OS())
	l := openTestLog(t, opts)
	defer l.Close()
	appendVaried(t, l, 0, 30)
	res, err := l.ReadFile(3, 700, l.EndOffset(), true)
	if err != nil || len(res.Slices) != 1 {
		t.Fatalf("read: %v, %d slices", err, len(res.Slices))
	}
	defer res.Release()
	s := res.Slices[0]
	if _, plain := s.File.(*os.File); plain {
		t.Fatal("the slice's file is not the fault-injecting wrapper")
	}
	buf := make([]byte, s.Size)
	if n, err := unix.Pread(int(s.File.Fd()), buf, s.Offset); err != nil || n != s.Size {
		t.Fatalf("pread on the descriptor: %d bytes, %v", n, err)
	}
	if !bytes.Equal(buf, sliceBytes(t, res)) {
		t.Fatal("the descriptor and ReadAt disagree")
	}
	checkReadFile(t, l, 3, 700, l.EndOffset(), true)
}

// TestReadFileIgnoresUnpublishedAppend stops an append between publishing
// the segment's new size and publishing the new log end offset, the state
// a reader racing an append can see: a read up to the old log end must
// end exactly there, whether the append ring knows the position or the
// headers must be walked, and never take the segment's size as the end.
func TestReadFileIgnoresUnpublishedAppend(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), bigSegmentConfig()))
	defer l.Close()
	appendVaried(t, l, 0, 30)
	end := l.EndOffset()
	bounds := batchBounds(t, l)

	l.appendMu.Lock()
	seg := l.segments[len(l.segments)-1]
	raw := variedBatch(99)
	batch.SetBaseOffset(raw, end)
	h, _ := batch.ParseHeader(raw)
	start, err := seg.writeRecords(raw)
	if err != nil {
		l.appendMu.Unlock()
		t.Fatal(err)
	}
	seg.indexAppended(start, []batch.Header{h}, []int64{0})
	l.rememberAppendedLocked(seg, start, []batch.Header{h}, []int64{0})
	problem := readsEndAt(l, bounds[:len(bounds)-1], end, start)
	if problem == "" {
		l.recent.Store(nil)
		problem = readsEndAt(l, bounds[:len(bounds)-1], end, start)
		if problem != "" {
			problem = "without the append ring: " + problem
		}
	}
	// Finish the append as appendLocked would.
	l.size.Add(int64(len(raw)))
	l.endOffset.Store(h.NextOffset())
	l.appendMu.Unlock()
	if problem != "" {
		t.Fatal(problem)
	}
	checkReadFile(t, l, 0, 1<<20, l.EndOffset(), true)
}

// readsEndAt reads from each offset up to maxOffset and reports the first
// read that does not end exactly at byte endPos.
func readsEndAt(l *Log, offsets []int64, maxOffset, endPos int64) string {
	for _, off := range offsets {
		res, err := l.ReadFile(off, 1<<20, maxOffset, true)
		if err != nil || len(res.Slices) != 1 {
			return fmt.Sprintf("read at %d: %v, %d slices", off, err, len(res.Slices))
		}
		s := res.Slices[0]
		res.Release()
		if s.Offset+int64(s.Size) != endPos {
			return fmt.Sprintf("read at %d ends at byte %d, the log end is at byte %d", off, s.Offset+int64(s.Size), endPos)
		}
	}
	return ""
}
