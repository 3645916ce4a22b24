package log

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/log/batch"
	"github.com/skiffhq/skiff/log/vfs"
)

// testBatch describes a producer batch for buildBatch.
type testBatch struct {
	records       int
	valueSize     int
	key           []byte // nil: no key
	firstTs       int64  // timestamp of the first record; each next one is +1 ms
	tsStep        int64
	producerID    int64
	producerEpoch int16
	baseSeq       int32
}

func plainBatch(records int, ts int64) testBatch {
	return testBatch{records: records, valueSize: 100, firstTs: ts, tsStep: 1, producerID: -1, producerEpoch: -1, baseSeq: -1}
}

func idemBatch(pid int64, epoch int16, seq int32, records int, ts int64) testBatch {
	b := plainBatch(records, ts)
	b.producerID, b.producerEpoch, b.baseSeq = pid, epoch, seq
	return b
}

// buildBatch encodes a v2 batch the way a producer sends it (base offset
// 0, no leader epoch) using kmsg, with the CRC computed by batch.Checksum.
func buildBatch(tb testBatch) []byte {
	var recs []byte
	maxTs := tb.firstTs
	for i := 0; i < tb.records; i++ {
		value := bytes.Repeat([]byte{byte('a' + i%26)}, tb.valueSize)
		r := kmsg.Record{TimestampDelta64: int64(i) * tb.tsStep, OffsetDelta: int32(i), Key: tb.key, Value: value}
		body := r.AppendTo(nil) // length field encodes 0 in one byte
		r.Length = int32(len(body) - 1)
		recs = r.AppendTo(recs)
		maxTs = max(maxTs, tb.firstTs+int64(i)*tb.tsStep)
	}
	rb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1, Magic: 2,
		LastOffsetDelta: int32(tb.records - 1), FirstTimestamp: tb.firstTs, MaxTimestamp: maxTs,
		ProducerID: tb.producerID, ProducerEpoch: tb.producerEpoch, FirstSequence: tb.baseSeq,
		NumRecords: int32(tb.records), Records: recs,
	}
	rb.Length = int32(batch.HeaderSize - batch.LengthFieldEnd + len(recs))
	raw := rb.AppendTo(nil)
	binary.BigEndian.PutUint32(raw[17:], batch.Checksum(raw))
	return raw
}

// smallConfig makes segments roll after a few batches.
func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.SegmentBytes = 4096
	cfg.IndexIntervalBytes = 256
	cfg.SegmentIndexBytes = 1024
	return cfg
}

// fakeClock is a settable clock for deterministic tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func newClock() *fakeClock { return &fakeClock{now: time.UnixMilli(1_700_000_000_000)} }

func testOptions(t testing.TB, dir string, cfg Config) Options {
	return Options{
		Dir: dir, Topic: "orders", Partition: 0, Config: cfg,
		FS: vfs.OS(), Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
	}
}

func openTestLog(t testing.TB, opts Options) *Log {
	t.Helper()
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return l
}

func mustAppend(t testing.TB, l *Log, raw []byte, epoch int32) AppendResult {
	t.Helper()
	res, err := l.AppendAsLeader(raw, epoch)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return res
}

// headers splits stored bytes into batch headers, failing on anything
// that is not whole valid batches.
func headers(t testing.TB, records []byte) []batch.Header {
	t.Helper()
	var out []batch.Header
	for rest := records; len(rest) > 0; {
		raw, next, ok := batch.Next(rest)
		if !ok {
			t.Fatalf("partial batch in read result (%d bytes left)", len(rest))
		}
		h, err := batch.Validate(raw)
		if err != nil {
			t.Fatalf("invalid batch in read result: %v", err)
		}
		out = append(out, h)
		rest = next
	}
	return out
}

// readAll reads the whole log from start with generous limits.
func readAll(t testing.TB, l *Log) []batch.Header {
	t.Helper()
	var out []batch.Header
	for off := l.StartOffset(); off < l.EndOffset(); {
		res, err := l.Read(off, 1<<20, l.EndOffset(), true)
		if err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		hs := headers(t, res.Records)
		if len(hs) == 0 {
			t.Fatalf("read at %d returned nothing before the log end %d", off, l.EndOffset())
		}
		out = append(out, hs...)
		off = hs[len(hs)-1].NextOffset()
	}
	return out
}

func checkContiguous(t testing.TB, hs []batch.Header, from, to int64) {
	t.Helper()
	next := from
	for _, h := range hs {
		if h.BaseOffset != next {
			t.Fatalf("batch at %d, expected %d (%s)", h.BaseOffset, next, describe(hs))
		}
		next = h.NextOffset()
	}
	if next != to {
		t.Fatalf("batches end at %d, want %d", next, to)
	}
}

func describe(hs []batch.Header) string {
	var b bytes.Buffer
	for _, h := range hs {
		fmt.Fprintf(&b, "[%d..%d e%d] ", h.BaseOffset, h.LastOffset(), h.PartitionLeaderEpoch)
	}
	return b.String()
}

// noSyncFS skips fsync: for fuzz targets, where durability is not under
// test and thousands of fsyncs would dominate the run.
type noSyncFS struct{ vfs.FS }

type noSyncFile struct{ vfs.File }

func (noSyncFile) Sync() error        { return nil }
func (noSyncFS) SyncDir(string) error { return nil }

func (n noSyncFS) OpenFile(name string, flag int, perm os.FileMode) (vfs.File, error) {
	f, err := n.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}
