package log

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// validPrefix is what recovery must keep of a segment file starting at
// base: the longest run of whole, valid batches with increasing offsets.
func validPrefix(data []byte, base int64) (size int, next int64) {
	next = base
	for size < len(data) {
		raw, _, ok := batch.Next(data[size:])
		if !ok {
			break
		}
		h, err := batch.Validate(raw)
		if err != nil || h.BaseOffset < next || h.BaseOffset-base > maxRelativeOffset || h.LastOffset()-base > maxRelativeOffset {
			break
		}
		size += len(raw)
		next = h.NextOffset()
	}
	return size, next
}

func fuzzSeedLog() []byte {
	var b []byte
	for i := range 4 {
		raw := buildBatch(idemBatch(1, 0, int32(i*2), 2, int64(i)))
		batch.SetBaseOffset(raw, int64(i*2))
		b = append(b, raw...)
	}
	return b
}

// FuzzSegmentRecovery opens a log whose only segment holds arbitrary
// bytes, without a clean shutdown. Recovery must not panic, must keep
// exactly the valid prefix, and the result must read back.
func FuzzSegmentRecovery(f *testing.F) {
	seed := fuzzSeedLog()
	f.Add(seed)
	f.Add(seed[:len(seed)-5])
	flipped := bytes.Clone(seed)
	flipped[100] ^= 0x40
	f.Add(flipped)
	f.Add(append(bytes.Clone(seed), make([]byte, 64)...))
	huge := bytes.Clone(seed)
	binary.BigEndian.PutUint64(huge[len(huge)-len(seed)/4:], 1<<63-2) // last batch's base offset near MaxInt64
	f.Add(huge)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, offsetFileName(0, logSuffix)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := testOptions(t, dir, DefaultConfig())
		opts.Logger, opts.FS = zerolog.Nop(), noSyncFS{vfs.OS()}
		l, err := Open(opts)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer l.Close()
		wantSize, wantNext := validPrefix(data, 0)
		if l.Size() != int64(wantSize) || l.EndOffset() != wantNext {
			t.Fatalf("recovered %d bytes ending at %d, want %d bytes ending at %d", l.Size(), l.EndOffset(), wantSize, wantNext)
		}
		if cut := l.Recovery().TruncatedBytes; cut != int64(len(data)-wantSize) {
			t.Fatalf("reported %d truncated bytes, want %d", cut, len(data)-wantSize)
		}
		var got []byte
		for off := l.StartOffset(); off < l.EndOffset(); {
			res, err := l.Read(off, 1<<20, l.EndOffset(), true)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) == 0 {
				break // gaps in offsets end at the last batch
			}
			got = append(got, res.Records...)
			hs := headers(t, res.Records)
			off = hs[len(hs)-1].NextOffset()
		}
		if !bytes.Equal(got, data[:wantSize]) {
			t.Fatalf("read back %d bytes, not the valid prefix of %d", len(got), wantSize)
		}
		// Batches may hold up to 2^31 offsets: check their ends, not every offset.
		for i, h := range headers(t, got) {
			checkReadFile(t, l, h.BaseOffset, 100, l.EndOffset(), i%2 == 0)
			checkReadFile(t, l, h.LastOffset(), 1<<20, h.NextOffset(), i%2 == 1)
		}
		checkReadFile(t, l, l.EndOffset(), 100, l.EndOffset(), true)
	})
}

// FuzzIndexLoad puts arbitrary bytes in a segment's offset and time
// indexes and reopens cleanly: lookups must still find every batch.
func FuzzIndexLoad(f *testing.F) {
	dir := f.TempDir()
	opts := testOptions(f, dir, smallConfig())
	opts.Logger, opts.FS = zerolog.Nop(), noSyncFS{vfs.OS()}
	l := openTestLog(f, opts)
	for i := range 30 {
		mustAppend(f, l, buildBatch(plainBatch(2, int64(i))), 0)
	}
	if err := l.Close(); err != nil {
		f.Fatal(err)
	}
	segPath := segmentPath(dir, 0, logSuffix)
	segData, _ := os.ReadFile(segPath)
	goodIndex, _ := os.ReadFile(segmentPath(dir, 0, indexSuffix))
	goodTime, _ := os.ReadFile(segmentPath(dir, 0, timeIndexSuffix))
	f.Add(goodIndex, goodTime)
	f.Add(goodIndex[:len(goodIndex)-3], goodTime)
	f.Add([]byte{}, []byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 64), bytes.Repeat([]byte{0}, 24))
	f.Fuzz(func(t *testing.T, index, timeIndex []byte) {
		d := t.TempDir()
		for name, content := range map[string][]byte{
			offsetFileName(0, logSuffix): segData, offsetFileName(0, indexSuffix): index, offsetFileName(0, timeIndexSuffix): timeIndex,
		} {
			if err := os.WriteFile(filepath.Join(d, name), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		o := opts
		o.Dir, o.CleanShutdown = d, true
		l, err := Open(o)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer l.Close()
		// ReadFile first, so it is the one meeting the damaged index.
		for off := int64(0); off < l.EndOffset(); off += 3 {
			res, err := l.ReadFile(off, 100, l.EndOffset(), true)
			if err != nil {
				t.Fatalf("ReadFile at %d: %v", off, err)
			}
			data := sliceBytes(t, res)
			res.Release()
			if first, _, ok := batch.Next(data); !ok || res.FirstOffset > off || res.FirstOffset+1 < off || len(data) != max(len(first), 100) {
				t.Fatalf("ReadFile at %d: first offset %d, %d bytes", off, res.FirstOffset, len(data))
			}
		}
		for off := int64(0); off < l.EndOffset(); off++ {
			checkReadFile(t, l, off, 100, l.EndOffset(), true)
			res, err := l.Read(off, 100, l.EndOffset(), true)
			if err != nil {
				t.Fatalf("read at %d: %v", off, err)
			}
			hs := headers(t, res.Records)
			if len(hs) != 1 || hs[0].BaseOffset > off || hs[0].LastOffset() < off {
				t.Fatalf("read at %d: %s", off, describe(hs))
			}
		}
		// Batch i holds offsets 2i and 2i+1 with timestamps i and i+1.
		n := l.EndOffset() / 2
		for ts := int64(0); ts <= n+1; ts++ {
			got, ok, err := l.OffsetForTimestamp(ts)
			wantOK, wantOff := ts <= n, max(2*ts-1, 0)
			if err != nil || ok != wantOK || (ok && (got.Offset != wantOff || got.Timestamp != ts)) {
				t.Fatalf("offset for timestamp %d: %+v %v %v, want offset %d", ts, got, ok, err, wantOff)
			}
		}
		if got, ok, err := l.MaxTimestamp(); err != nil || !ok || got.Timestamp != n || got.Offset != 2*n-1 {
			t.Fatalf("max timestamp %+v %v %v, want %d at %d", got, ok, err, n, 2*n-1)
		}
	})
}

// FuzzReadFile drives a log through appends (leader and follower, one or
// two batches, offset gaps), truncations, high watermark moves and rolls
// chosen by the input, then checks ReadFile against Read at every offset:
// the append ring must never give a position that the log no longer has.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte{0, 10, 1, 20, 2, 5, 3, 7, 0, 200, 4, 3, 0, 9})
	f.Add(bytes.Repeat([]byte{0, 50, 1, 9, 4, 2}, 25))
	f.Add(bytes.Repeat([]byte{2, 1, 2, 2, 3, 4}, 20))
	f.Add([]byte{0, 1, 0, 2, 0, 3, 3, 200, 1, 100, 1, 101})
	f.Fuzz(func(t *testing.T, ops []byte) {
		cfg := smallConfig()
		cfg.SegmentBytes, cfg.IndexIntervalBytes = 2048, 128
		opts := testOptions(t, t.TempDir(), cfg)
		opts.Logger, opts.FS = zerolog.Nop(), noSyncFS{vfs.OS()}
		l := openTestLog(t, opts)
		defer l.Close()
		for i := 0; i+1 < len(ops) && i < 120; i += 2 {
			applyFuzzOp(t, l, ops[i]%5, int(ops[i+1]))
		}
		end, hw := l.EndOffset(), l.HighWatermark()
		for off := l.StartOffset() - 1; off <= end+1; off++ {
			for _, maxOffset := range []int64{end, hw, off + 1 + off%4} {
				for _, maxBytes := range []int32{0, 90, 300, 1 << 20} {
					checkReadFile(t, l, off, maxBytes, maxOffset, (off+int64(maxBytes))%2 == 0)
				}
			}
		}
	})
}

func applyFuzzOp(t *testing.T, l *Log, op byte, arg int) {
	end := l.EndOffset()
	var err error
	switch op {
	case 0:
		_, err = l.AppendAsLeader(variedBatch(arg), 0)
	case 1:
		_, err = l.AppendAsLeader(append(variedBatch(arg), variedBatch(arg+1)...), 0)
	case 2: // a follower's batch, after a gap of 0 to 2 offsets
		raw := variedBatch(arg)
		batch.SetBaseOffset(raw, end+int64(arg%3))
		batch.SetPartitionLeaderEpoch(raw, 0)
		_, err = l.AppendAsFollower(raw)
	case 3:
		err = l.TruncateTo(max(end-int64(arg%12), 0))
	case 4:
		l.SetHighWatermark(end - int64(arg%8))
	}
	if err != nil {
		t.Fatalf("op %d(%d): %v", op, arg, err)
	}
}

// FuzzCheckpointParse parses arbitrary checkpoint text: no panic, and
// whatever parses formats back to something that parses the same.
func FuzzCheckpointParse(f *testing.F) {
	f.Add([]byte("0\n2\norders 0 15\nmy-topic 3 7\n"))
	f.Add([]byte("0\n1\n0 0\n"))
	f.Add([]byte("0\n0\n"))
	f.Add([]byte("1\n1\nx 0 0\n"))
	f.Add([]byte("0\n3\na 0 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if offsets, err := ParseOffsetCheckpoint(data); err == nil {
			again, err := ParseOffsetCheckpoint(FormatOffsetCheckpoint(offsets))
			if err != nil || len(again) != len(offsets) {
				t.Fatalf("round trip: %v %v", again, err)
			}
			for tp, off := range offsets {
				if again[tp] != off {
					t.Fatalf("round trip changed %s", tp)
				}
			}
		}
		if epochs, err := ParseEpochCheckpoint(data); err == nil {
			again, err := ParseEpochCheckpoint(FormatEpochCheckpoint(epochs))
			if err != nil || !equalEpochs(again, epochs) {
				t.Fatalf("epoch round trip: %v %v", again, err)
			}
		}
		if id, err := ParsePartitionMetadata(data); err == nil {
			again, err := ParsePartitionMetadata(FormatPartitionMetadata(id))
			if err != nil || again != id {
				t.Fatalf("partition.metadata round trip: %v %v", again, err)
			}
		}
	})
}

// FuzzProducerSnapshot decodes arbitrary snapshot bytes: no panic, and a
// snapshot that decodes re-encodes to the same bytes.
func FuzzProducerSnapshot(f *testing.F) {
	f.Add(EncodeProducerSnapshot(nil))
	f.Add(EncodeProducerSnapshot([]ProducerEntry{{ProducerID: 3, Epoch: 1, Batches: []ProducerBatch{{0, 4, 10, 14, 99}}}}))
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeProducerSnapshot(data)
		if err != nil {
			return
		}
		if again := EncodeProducerSnapshot(entries); !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs")
		}
	})
}
