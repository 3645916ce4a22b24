package log

import (
	"encoding/binary"
	"testing"

	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log/batch"
)

// benchBatch is a 16 KiB producer batch of 1 KiB records.
func benchBatch() []byte {
	tb := plainBatch(16, 1_700_000_000_000)
	tb.valueSize = 1000
	return buildBatch(tb)
}

func BenchmarkAppendAsLeader(b *testing.B) {
	opts := testOptions(b, b.TempDir(), DefaultConfig())
	opts.Logger = zerolog.Nop()
	l := openTestLog(b, opts)
	defer l.Close()
	raw := benchBatch()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		batch.SetBaseOffset(raw, 0) // the append stamped it; a producer sends 0
		if _, err := l.AppendAsLeader(raw, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendAsLeaderIdempotent includes rewriting the batch's
// sequence and CRC each time (the producer's work), about 1 µs of the total.
func BenchmarkAppendAsLeaderIdempotent(b *testing.B) {
	opts := testOptions(b, b.TempDir(), DefaultConfig())
	opts.Logger = zerolog.Nop()
	l := openTestLog(b, opts)
	defer l.Close()
	tb := idemBatch(1, 0, 0, 16, 1_700_000_000_000)
	tb.valueSize = 1000
	raw := buildBatch(tb)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	seq := int32(0)
	for b.Loop() {
		batch.SetBaseOffset(raw, 0)
		binary.BigEndian.PutUint32(raw[53:], uint32(seq))
		binary.BigEndian.PutUint32(raw[17:], batch.Checksum(raw))
		if _, err := l.AppendAsLeader(raw, 1); err != nil {
			b.Fatal(err)
		}
		seq += 16
	}
}

// warmBenchLog is a log of 64 MiB of 16 KiB batches in one segment,
// read once so the page cache holds it.
func warmBenchLog(b *testing.B) (l *Log, batchSize int) {
	opts := testOptions(b, b.TempDir(), DefaultConfig())
	opts.Logger = zerolog.Nop()
	l = openTestLog(b, opts)
	b.Cleanup(func() { l.Close() })
	raw := benchBatch()
	for range 64 << 20 / len(raw) {
		batch.SetBaseOffset(raw, 0)
		if _, err := l.AppendAsLeader(raw, 1); err != nil {
			b.Fatal(err)
		}
	}
	end := l.EndOffset()
	for off := int64(0); off < end; {
		res, err := l.Read(off, 1<<20, end, true)
		if err != nil {
			b.Fatal(err)
		}
		off = res.FirstOffset + int64(len(res.Records)/len(raw))*16
	}
	return l, len(raw)
}

func BenchmarkReadWarm1MiB(b *testing.B) {
	l, batchSize := warmBenchLog(b)
	end := l.EndOffset()
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	off := int64(0)
	for b.Loop() {
		res, err := l.Read(off, 1<<20, end, true)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Records) == 0 {
			b.Fatal("empty read")
		}
		off += int64(len(res.Records)/batchSize) * 16
		if off >= end-4096 {
			off = 0
		}
	}
}

// BenchmarkReadFile1MiB is BenchmarkReadWarm1MiB with ReadFile: a fetch of
// 1 MiB from anywhere in the segment, as a catching-up consumer makes
// them (the next one starts at the batch the previous one cut). It costs
// an index lookup and a header read or two; the bytes themselves go out
// later with sendfile, so there is no MB/s to compare: compare ns/op.
func BenchmarkReadFile1MiB(b *testing.B) {
	l, batchSize := warmBenchLog(b)
	end := l.EndOffset()
	b.ReportAllocs()
	off := int64(0)
	for b.Loop() {
		res, err := l.ReadFile(off, 1<<20, end, true)
		if err != nil {
			b.Fatal(err)
		}
		if res.Size == 0 {
			b.Fatal("empty read")
		}
		off = res.FirstOffset + int64(res.Size/batchSize)*16
		res.Release()
		if off >= end-4096 {
			off = 0
		}
	}
}

// BenchmarkReadFileTail is a consumer at the log end: each fetch starts
// where the last append began and reads to the log end, both ends known
// to the append ring, so no I/O at all.
func BenchmarkReadFileTail(b *testing.B) {
	l, _ := warmBenchLog(b)
	end := l.EndOffset()
	b.ReportAllocs()
	for b.Loop() {
		res, err := l.ReadFile(end-16, 1<<20, end, true)
		if err != nil || res.Size == 0 {
			b.Fatalf("read: %v, %d bytes", err, res.Size)
		}
		res.Release()
	}
}
