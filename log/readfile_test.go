package log

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// sliceBytes reads a ReadFile result back the way sendfile would: each
// slice through its File, at its offset.
func sliceBytes(t testing.TB, res FileReadResult) []byte {
	t.Helper()
	var out []byte
	for _, s := range res.Slices {
		buf := make([]byte, s.Size)
		if n, err := s.File.ReadAt(buf, s.Offset); n < s.Size {
			t.Fatalf("slice %s [%d, +%d) read %d bytes: %v", s.File.Name(), s.Offset, s.Size, n, err)
		}
		out = append(out, buf...)
	}
	if len(out) != res.Size {
		t.Fatalf("slices hold %d bytes, result says %d", len(out), res.Size)
	}
	return out
}

// checkReadFile compares ReadFile with Read for one query on a log nobody
// is changing: ReadFile must send exactly Read's bytes — whole batches,
// at most maxBytes of them (the whole first batch alone with minOneBatch,
// nothing if maxBytes cuts it without), never anything of a batch at or
// after maxOffset. Unlike Kafka's FileRecords.slice it never ends with the
// head of a batch that maxBytes cut, which the client would drop and fetch
// again.
func checkReadFile(t testing.TB, l *Log, offset int64, maxBytes int32, maxOffset int64, minOne bool) {
	t.Helper()
	call := fmt.Sprintf("ReadFile(%d, %d, %d, %t)", offset, maxBytes, maxOffset, minOne)
	want, werr := l.Read(offset, maxBytes, maxOffset, minOne)
	got, gerr := l.ReadFile(offset, maxBytes, maxOffset, minOne)
	defer got.Release()
	if (werr == nil) != (gerr == nil) || errors.Is(werr, ErrOffsetOutOfRange) != errors.Is(gerr, ErrOffsetOutOfRange) {
		t.Fatalf("%s: error %v, Read's %v", call, gerr, werr)
	}
	if got.FirstOffset != want.FirstOffset || got.HighWatermark != want.HighWatermark ||
		got.LogStartOffset != want.LogStartOffset || got.LogEndOffset != want.LogEndOffset {
		t.Fatalf("%s: %+v, Read's %+v", call, got, want)
	}
	data := sliceBytes(t, got)
	if werr != nil {
		if len(data) != 0 {
			t.Fatalf("%s: %d bytes with an error", call, len(data))
		}
		return
	}
	if last := lastBatchBase(data); last >= min(maxOffset, l.EndOffset()) {
		t.Fatalf("%s: returned batch %d at or after max offset %d", call, last, maxOffset)
	}
	if !bytes.Equal(data, want.Records) {
		t.Fatalf("%s: %d bytes (%s), want Read's %d (%s)", call, len(data), describeRange(data),
			len(want.Records), describeRange(want.Records))
	}
}

// lastBatchBase is the base offset of the last whole batch in records, -1
// if there is none. It trusts the bytes (no CRC check).
func lastBatchBase(records []byte) int64 {
	last := int64(-1)
	for rest := records; ; {
		raw, next, ok := batch.Next(rest)
		if !ok {
			return last
		}
		h, _ := batch.ParseHeader(raw)
		last, rest = h.BaseOffset, next
	}
}

// describeRange names the whole batches in data and the size of any
// partial one after them.
func describeRange(data []byte) string {
	var b bytes.Buffer
	rest := data
	for {
		raw, next, ok := batch.Next(rest)
		if !ok {
			break
		}
		h, _ := batch.ParseHeader(raw)
		fmt.Fprintf(&b, "[%d..%d] ", h.BaseOffset, h.LastOffset())
		rest = next
	}
	if len(rest) > 0 {
		fmt.Fprintf(&b, "+%d bytes", len(rest))
	}
	return b.String()
}

// batchBounds lists the log's batch boundaries: each batch's base offset,
// then the log end.
func batchBounds(t testing.TB, l *Log) []int64 {
	t.Helper()
	var out []int64
	for _, h := range readAll(t, l) {
		out = append(out, h.BaseOffset)
	}
	return append(out, l.EndOffset())
}

// sweepReadFile runs checkReadFile over every batch boundary and some
// offsets inside batches, each against maxOffsets at the log end (the
// append ring's newest entry), a few batches ahead (a lagging high
// watermark the ring still holds), far ahead (older than the ring), inside
// a batch and beyond the end, with byte limits around the ends of the
// first batches.
func sweepReadFile(t *testing.T, l *Log) {
	t.Helper()
	bounds := batchBounds(t, l)
	end := l.EndOffset()
	for i, b := range bounds {
		limits := sweepLimits(t, l, b)
		offsets := []int64{b}
		if i+1 < len(bounds) && bounds[i+1] > b+1 && i%3 == 0 {
			offsets = append(offsets, b+1)
		}
		maxOffsets := []int64{end, end + 7, b + 1}
		for _, ahead := range []int{1, 3, 80} {
			if i+ahead < len(bounds) {
				maxOffsets = append(maxOffsets, bounds[i+ahead])
			}
		}
		for _, off := range offsets {
			for m, mo := range maxOffsets {
				// Half the limits for each pair, the other half at the
				// next offset; minOneBatch alternates too.
				for j := (i + m) % 2; j < len(limits); j += 2 {
					checkReadFile(t, l, off, limits[j], mo, (i+m+j/2)%2 == 0)
				}
			}
		}
	}
	for _, off := range []int64{l.StartOffset() - 1, -1, end, end + 1} {
		checkReadFile(t, l, off, 1<<20, end, true)
	}
}

// sweepLimits returns byte limits for reads from offset: none, tiny,
// unlimited, and at and one byte around where the first three batches end.
func sweepLimits(t *testing.T, l *Log, offset int64) []int32 {
	limits := []int32{0, 1, 1 << 20}
	all, err := l.Read(offset, 1<<30, l.EndOffset(), true)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int32
	for rest, pos := all.Records, 0; len(ends) < 3; {
		raw, next, ok := batch.Next(rest)
		if !ok {
			break
		}
		pos += len(raw)
		ends = append(ends, int32(pos))
		rest = next
	}
	for _, e := range ends {
		limits = append(limits, e-1, e, e+1)
	}
	return limits
}

// variedBatch is batch i of a test log: 1 to 4 records of 20 to 170
// bytes, so batches differ in size and byte limits cut them anywhere.
func variedBatch(i int) []byte {
	tb := plainBatch(1+i%4, int64(1000+i))
	tb.valueSize = 20 + (i*37)%150
	return buildBatch(tb)
}

// appendVaried appends n varied batches from index from; every seventh
// append carries two batches, so one append adds several ring entries.
func appendVaried(t testing.TB, l *Log, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		raw := variedBatch(i)
		if i%7 == 0 {
			raw = append(raw, variedBatch(i+1000)...)
		}
		mustAppend(t, l, raw, int32(i/50))
	}
}

func bigSegmentConfig() Config {
	cfg := DefaultConfig()
	cfg.IndexIntervalBytes = 512
	return cfg
}

func TestReadFileMatchesRead(t *testing.T) {
	shapes := []struct {
		name  string
		build func(t *testing.T) *Log
	}{
		{"segments rolled every 4 KiB", func(t *testing.T) *Log {
			l := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
			appendVaried(t, l, 0, 70)
			return l
		}},
		{"one active segment longer than the append ring", func(t *testing.T) *Log {
			l := openTestLog(t, testOptions(t, t.TempDir(), bigSegmentConfig()))
			appendVaried(t, l, 0, appendRingSize+40)
			return l
		}},
		{"after retention deleted older segments", func(t *testing.T) *Log {
			cfg := smallConfig()
			cfg.RetentionMs, cfg.RetentionBytes, cfg.FileDeleteDelayMs = -1, 3*int64(cfg.SegmentBytes), 0
			l := openTestLog(t, testOptions(t, t.TempDir(), cfg))
			appendVaried(t, l, 0, 70)
			l.SetHighWatermark(l.EndOffset())
			if n, err := l.ApplyRetention(newClock().now); err != nil || n == 0 {
				t.Fatalf("retention deleted %d segments: %v", n, err)
			}
			return l
		}},
		{"truncated inside the active segment and appended again", func(t *testing.T) *Log {
			l := openTestLog(t, testOptions(t, t.TempDir(), bigSegmentConfig()))
			appendVaried(t, l, 0, 100)
			bounds := batchBounds(t, l)
			if err := l.TruncateTo(bounds[70] + 1); err != nil { // inside a batch: it goes whole
				t.Fatal(err)
			}
			appendVaried(t, l, 500, 60) // other sizes: a stale ring entry would point wrong
			return l
		}},
		{"truncated into an older segment and appended again", func(t *testing.T) *Log {
			l := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
			appendVaried(t, l, 0, 60)
			if err := l.TruncateTo(l.SegmentBaseOffsets()[2] + 3); err != nil {
				t.Fatal(err)
			}
			appendVaried(t, l, 700, 30)
			return l
		}},
		{"truncated, then one batch over the old boundaries", func(t *testing.T) *Log {
			l := openTestLog(t, testOptions(t, t.TempDir(), bigSegmentConfig()))
			for i := range 12 {
				mustAppend(t, l, buildBatch(plainBatch(1, int64(i))), 0)
			}
			if err := l.TruncateTo(5); err != nil {
				t.Fatal(err)
			}
			// Offsets 6 to 11 ended batches before; now they are inside one.
			mustAppend(t, l, buildBatch(plainBatch(10, 50)), 1)
			mustAppend(t, l, buildBatch(plainBatch(1, 60)), 1)
			return l
		}},
		{"reopened, with an empty append ring", func(t *testing.T) *Log {
			opts := testOptions(t, t.TempDir(), bigSegmentConfig())
			l := openTestLog(t, opts)
			appendVaried(t, l, 0, 90)
			end := l.EndOffset()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			opts.CleanShutdown, opts.RecoveryPoint, opts.HighWatermark = true, end, end
			return openTestLog(t, opts)
		}},
		{"follower batches with offset gaps", func(t *testing.T) *Log {
			l := openTestLog(t, testOptions(t, t.TempDir(), bigSegmentConfig()))
			next := int64(0)
			for i := range 100 {
				raw := variedBatch(i)
				next += int64(i % 3) // a gap before two batches in three
				batch.SetBaseOffset(raw, next)
				h, _ := batch.ParseHeader(raw)
				if _, err := l.AppendAsFollower(raw); err != nil {
					t.Fatal(err)
				}
				next = h.NextOffset()
			}
			return l
		}},
		{"on a fault-injecting filesystem", func(t *testing.T) *Log {
			opts := testOptions(t, t.TempDir(), smallConfig())
			opts.FS = vfs.NewFaultFS(vfs.OS())
			l := openTestLog(t, opts)
			appendVaried(t, l, 0, 40)
			return l
		}},
	}
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			l := shape.build(t)
			defer l.Close()
			l.SetHighWatermark(l.EndOffset() - 5)
			sweepReadFile(t, l)
		})
	}
}

func TestReadFileLimits(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), DefaultConfig()))
	defer l.Close()
	for i := range 10 {
		mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
	}
	size := len(buildBatch(plainBatch(2, 0))) // every batch has this size
	l.SetHighWatermark(10)
	tests := []struct {
		name        string
		offset      int64
		maxBytes    int32
		maxOffset   int64
		minOneBatch bool
		wantFirst   int64 // -1: nothing
		wantSize    int
		wantErr     error
	}{
		{"whole log", 0, 1 << 20, 20, false, 0, 10 * size, nil},
		{"max bytes cutting the fourth batch stops before it", 0, int32(3*size + size/2), 20, false, 0, 3 * size, nil},
		{"max bytes ends on a batch boundary", 0, int32(3 * size), 20, false, 0, 3 * size, nil},
		{"offset inside a batch starts at that batch", 5, int32(size), 20, false, 4, size, nil},
		{"max offset is the high watermark", 0, 1 << 20, 10, false, 0, 5 * size, nil},
		{"a read never passes the high watermark", 2, int32(4*size + size/2), 10, false, 2, 4 * size, nil},
		{"nothing at or beyond max offset", 10, 1 << 20, 10, false, -1, 0, nil},
		{"first batch bigger than max bytes without minOneBatch", 0, int32(size - 1), 20, false, -1, 0, nil},
		{"first batch bigger than max bytes with minOneBatch", 0, int32(size - 1), 20, true, 0, size, nil},
		{"zero max bytes with minOneBatch", 6, 0, 20, true, 6, size, nil},
		{"negative max bytes with minOneBatch", 6, -5, 20, true, 6, size, nil},
		{"read at the log end is empty", 20, 1 << 20, 20, true, -1, 0, nil},
		{"past the log end", 21, 1 << 20, 30, true, -1, 0, ErrOffsetOutOfRange},
		{"negative offset", -1, 1 << 20, 30, true, -1, 0, ErrOffsetOutOfRange},
		{"max offset above the log end is clamped", 18, 1 << 20, 1000, false, 18, size, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := l.ReadFile(tt.offset, tt.maxBytes, tt.maxOffset, tt.minOneBatch)
			defer res.Release()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if res.FirstOffset != tt.wantFirst || res.Size != tt.wantSize || len(sliceBytes(t, res)) != tt.wantSize {
				t.Fatalf("first %d size %d, want first %d size %d", res.FirstOffset, res.Size, tt.wantFirst, tt.wantSize)
			}
			if len(res.Slices) > 1 || (res.Size == 0) != (len(res.Slices) == 0) {
				t.Fatalf("%d slices for %d bytes", len(res.Slices), res.Size)
			}
			if err == nil && (res.HighWatermark != 10 || res.LogEndOffset != 20 || res.LogStartOffset != 0) {
				t.Fatalf("offsets in result: %+v", res)
			}
			checkReadFile(t, l, tt.offset, tt.maxBytes, tt.maxOffset, tt.minOneBatch)
		})
	}
}

func TestReadFileReleaseIsIdempotent(t *testing.T) {
	l := openTestLog(t, testOptions(t, t.TempDir(), smallConfig()))
	defer l.Close()
	appendVaried(t, l, 0, 10)
	var zero FileReadResult
	zero.Release()
	(*FileReadResult)(nil).Release()

	res, err := l.ReadFile(0, 1<<20, l.EndOffset(), true)
	if err != nil || len(res.Slices) != 1 {
		t.Fatalf("read: %v, %d slices", err, len(res.Slices))
	}
	sf := l.segments[0].file
	if refs := fileRefs(sf); refs != 1 {
		t.Fatalf("%d references while pinned, want 1", refs)
	}
	copied := res
	res.Release()
	res.Release()
	copied.Release() // a copy shares the pins: they were released once
	if refs := fileRefs(sf); refs != 0 {
		t.Fatalf("%d references after Release, want 0", refs)
	}
	if len(res.Slices) != 0 || res.Size != 0 {
		t.Fatalf("released result still has %d slices, %d bytes", len(res.Slices), res.Size)
	}
	// A read that finds nothing pins nothing.
	empty, err := l.ReadFile(l.EndOffset(), 1<<20, l.EndOffset(), true)
	if err != nil || len(empty.Slices) != 0 || fileRefs(sf) != 0 {
		t.Fatalf("empty read: %v, %d slices, %d references", err, len(empty.Slices), fileRefs(sf))
	}
	cut, err := l.ReadFile(0, 1, l.EndOffset(), false)
	if err != nil || len(cut.Slices) != 0 || fileRefs(sf) != 0 {
		t.Fatalf("read of nothing: %v, %d slices, %d references", err, len(cut.Slices), fileRefs(sf))
	}
}

func fileRefs(sf *segmentFile) int {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	return sf.mu.refs
}
