package batch

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var allCodecs = []Codec{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd}

// kgoCodec maps our codec to franz-go's, whose compressor and decompressor
// serve as an independent implementation in golden tests.
func kgoCodec(c Codec) kgo.CompressionCodec {
	switch c {
	case CodecGzip:
		return kgo.GzipCompression()
	case CodecSnappy:
		return kgo.SnappyCompression()
	case CodecLZ4:
		return kgo.Lz4Compression()
	case CodecZstd:
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}

// kgoCompress compresses src the way a kgo producer's one-shot path does.
func kgoCompress(t testing.TB, c Codec, src []byte) []byte {
	t.Helper()
	if c == CodecNone {
		return src
	}
	comp, err := kgo.DefaultCompressor(kgoCodec(c))
	if err != nil {
		t.Fatal(err)
	}
	out, used := comp.Compress(new(bytes.Buffer), src)
	if int8(used) != int8(c) {
		t.Fatalf("kgo compressed with %d, want %v", used, c)
	}
	return append([]byte(nil), out...)
}

func kgoDecompress(t testing.TB, c Codec, src []byte) []byte {
	t.Helper()
	if c == CodecNone {
		return src
	}
	out, err := kgo.DefaultDecompressor().Decompress(src, kgo.CompressionCodecType(c))
	if err != nil {
		t.Fatalf("kgo decompress %v: %v", c, err)
	}
	return out
}

// kmsgRecord converts to kmsg's type, computing its Length field.
func kmsgRecord(r Record) kmsg.Record {
	kr := kmsg.Record{
		Attributes:       r.Attributes,
		TimestampDelta64: r.TimestampDelta,
		OffsetDelta:      r.OffsetDelta,
		Key:              r.Key,
		Value:            r.Value,
	}
	for _, h := range r.Headers {
		kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
	}
	kr.Length = int32(len(kr.AppendTo(nil)) - 1) // Length 0 takes one byte
	return kr
}

// kmsgBatch encodes recs with kmsg and compresses them with kgo's
// compressor: a batch built entirely by franz-go code.
func kmsgBatch(t testing.TB, c Codec, firstTS int64, recs []Record) []byte {
	t.Helper()
	var raw []byte
	maxTS, lastDelta := int64(-1), int32(0)
	for i, r := range recs {
		kr := kmsgRecord(r)
		raw = kr.AppendTo(raw)
		if ts := firstTS + r.TimestampDelta; i == 0 || ts > maxTS {
			maxTS = ts
		}
		lastDelta = max(lastDelta, r.OffsetDelta)
	}
	kb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		Attributes:           int16(c),
		LastOffsetDelta:      lastDelta,
		FirstTimestamp:       firstTS,
		MaxTimestamp:         maxTS,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		FirstSequence:        -1,
		NumRecords:           int32(len(recs)),
		Records:              kgoCompress(t, c, raw),
	}
	return finishKmsgBatch(&kb)
}

// finishKmsgBatch fills in Length and CRC and encodes.
func finishKmsgBatch(kb *kmsg.RecordBatch) []byte {
	kb.Length = int32(len(kb.AppendTo(nil)) - 12)
	enc := kb.AppendTo(nil)
	kb.CRC = int32(crc32.Checksum(enc[21:], crc32.MakeTable(crc32.Castagnoli)))
	return kb.AppendTo(nil)
}

// kmsgRecords decodes batch b with kmsg and kgo's decompressor only.
func kmsgRecords(t testing.TB, b []byte) (kmsg.RecordBatch, []kmsg.Record) {
	t.Helper()
	var kb kmsg.RecordBatch
	if err := kb.ReadFrom(b); err != nil {
		t.Fatalf("kmsg RecordBatch.ReadFrom: %v", err)
	}
	data := kgoDecompress(t, Codec(kb.Attributes&7), kb.Records)
	var recs []kmsg.Record
	for len(data) > 0 {
		n, w := binary.Varint(data)
		if w <= 0 || int(n) > len(data)-w {
			t.Fatalf("kmsg record length %d at %d bytes left", n, len(data))
		}
		var kr kmsg.Record
		if err := kr.ReadFrom(data[:w+int(n)]); err != nil {
			t.Fatalf("kmsg Record.ReadFrom: %v", err)
		}
		recs = append(recs, kr)
		data = data[w+int(n):]
	}
	if len(recs) != int(kb.NumRecords) {
		t.Fatalf("kmsg found %d records, header says %d", len(recs), kb.NumRecords)
	}
	return kb, recs
}

// sampleRecords covers the record shapes the golden tests must keep:
// null and empty keys and values, headers (with a null value and a
// duplicate key), negative and large timestamp deltas, big values.
func sampleRecords() []Record {
	big := bytes.Repeat([]byte("skiff-"), 3000)
	return []Record{
		{TimestampDelta: 0, OffsetDelta: 0, Key: []byte("k0"), Value: []byte("v0")},
		{TimestampDelta: -5, OffsetDelta: 1, Key: nil, Value: []byte("null key")},
		{TimestampDelta: 7, OffsetDelta: 2, Key: []byte("null value"), Value: nil},
		{TimestampDelta: 1 << 40, OffsetDelta: 3, Key: []byte{}, Value: []byte{}},
		{TimestampDelta: -(1 << 33), OffsetDelta: 4, Key: []byte("h"), Value: big, Headers: []RecordHeader{
			{Key: "trace", Value: []byte("abc")},
			{Key: "", Value: nil},
			{Key: "trace", Value: []byte{}},
		}},
		{Attributes: 0, TimestampDelta: 3, OffsetDelta: 5, Key: nil, Value: nil},
	}
}

func sameBytes(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

func equalRecord(t testing.TB, where string, got, want Record) {
	t.Helper()
	if got.Attributes != want.Attributes || got.TimestampDelta != want.TimestampDelta || got.OffsetDelta != want.OffsetDelta {
		t.Fatalf("%s: fields %d/%d/%d, want %d/%d/%d", where, got.Attributes, got.TimestampDelta, got.OffsetDelta,
			want.Attributes, want.TimestampDelta, want.OffsetDelta)
	}
	if !sameBytes(got.Key, want.Key) || !sameBytes(got.Value, want.Value) {
		t.Fatalf("%s: key %q (nil %v) value len %d (nil %v), want key %q (nil %v) value len %d (nil %v)", where,
			got.Key, got.Key == nil, len(got.Value), got.Value == nil, want.Key, want.Key == nil, len(want.Value), want.Value == nil)
	}
	if len(got.Headers) != len(want.Headers) {
		t.Fatalf("%s: %d headers, want %d", where, len(got.Headers), len(want.Headers))
	}
	for i := range got.Headers {
		g, w := got.Headers[i], want.Headers[i]
		if g.Key != w.Key || !sameBytes(g.Value, w.Value) {
			t.Fatalf("%s: header %d = %q/%q (nil %v), want %q/%q (nil %v)", where, i, g.Key, g.Value, g.Value == nil, w.Key, w.Value, w.Value == nil)
		}
	}
}

func fromKmsg(kr kmsg.Record) Record {
	r := Record{Attributes: kr.Attributes, TimestampDelta: kr.TimestampDelta64, OffsetDelta: kr.OffsetDelta, Key: kr.Key, Value: kr.Value}
	for _, h := range kr.Headers {
		r.Headers = append(r.Headers, RecordHeader{Key: h.Key, Value: h.Value})
	}
	return r
}

// rewriteCRC recomputes the CRC of a batch a test has edited.
func rewriteCRC(b []byte) []byte {
	binary.BigEndian.PutUint32(b[offCRC:], Checksum(b))
	return b
}

// simpleBatch builds an uncompressed batch of n records from a producer.
func simpleBatch(n int, value []byte, ts int64) []byte {
	bld := NewBuilder(DefaultBuilderOptions())
	for i := 0; i < n; i++ {
		bld.AddSimple([]byte{byte(i)}, value, ts+int64(i))
	}
	return bld.Build()
}
