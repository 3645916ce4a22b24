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

func BenchmarkReadWarm1MiB(b *testing.B) {
	opts := testOptions(b, b.TempDir(), DefaultConfig())
	opts.Logger = zerolog.Nop()
	l := openTestLog(b, opts)
	defer l.Close()
	raw := benchBatch()
	for range 64 << 20 / len(raw) { // 64 MiB in one segment
		batch.SetBaseOffset(raw, 0)
		if _, err := l.AppendAsLeader(raw, 1); err != nil {
			b.Fatal(err)
		}
	}
	end := l.EndOffset()
	// Warm the page cache.
	for off := int64(0); off < end; {
		res, err := l.Read(off, 1<<20, end, true)
		if err != nil {
			b.Fatal(err)
		}
		off = res.FirstOffset + int64(len(res.Records)/len(raw))*16
	}
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
		off += int64(len(res.Records)/len(raw)) * 16
		if off >= end-4096 {
			off = 0
		}
	}
}
