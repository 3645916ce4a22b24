package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// ParseHeader reads every field at Kafka's positions: checked against a
// batch kmsg encoded.
func TestParseHeaderMatchesKmsg(t *testing.T) {
	b := kmsgBatch(t, CodecZstd, 1234, sampleRecords())
	kb, _ := kmsgRecords(t, b)
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.BaseOffset != kb.FirstOffset || h.Length != kb.Length || h.PartitionLeaderEpoch != kb.PartitionLeaderEpoch ||
		h.Magic != kb.Magic || h.CRC != uint32(kb.CRC) || h.Attributes != kb.Attributes ||
		h.LastOffsetDelta != kb.LastOffsetDelta || h.FirstTimestamp != kb.FirstTimestamp || h.MaxTimestamp != kb.MaxTimestamp ||
		h.ProducerID != kb.ProducerID || h.ProducerEpoch != kb.ProducerEpoch || h.BaseSequence != kb.FirstSequence ||
		h.NumRecords != kb.NumRecords {
		t.Fatalf("header %+v\nkmsg %+v", h, kb)
	}
	if h.Size() != len(b) || h.Codec() != CodecZstd || h.LastOffset() != 5 || h.NextOffset() != 6 {
		t.Fatalf("derived: size %d codec %v last %d next %d", h.Size(), h.Codec(), h.LastOffset(), h.NextOffset())
	}
}

func TestHeaderAttributes(t *testing.T) {
	for _, tc := range []struct {
		attrs                            int16
		codec                            Codec
		logAppend, txn, control, horizon bool
	}{
		{attrs: 0, codec: CodecNone},
		{attrs: 0x04, codec: CodecZstd},
		{attrs: 0x0b, codec: CodecLZ4, logAppend: true},
		{attrs: 0x30, txn: true, control: true},
		{attrs: 0x41, codec: CodecGzip, horizon: true},
	} {
		h := Header{Attributes: tc.attrs, ProducerID: -1}
		if h.Codec() != tc.codec || h.LogAppendTime() != tc.logAppend || h.Transactional() != tc.txn ||
			h.Control() != tc.control || h.HasDeleteHorizon() != tc.horizon || h.Idempotent() {
			t.Errorf("attributes %#x decoded wrong", tc.attrs)
		}
	}
	if !(Header{ProducerID: 0}).Idempotent() {
		t.Error("producer id 0 is a real producer")
	}
}

func TestParseHeaderErrors(t *testing.T) {
	good := simpleBatch(1, []byte("v"), 1)
	if _, err := ParseHeader(good[:HeaderSize-1]); !isReason(err, ReasonShortHeader) {
		t.Errorf("short: %v", err)
	}
	for _, magic := range []byte{0, 1, 3, 0xff} {
		b := append([]byte(nil), good...)
		b[offMagic] = magic
		if _, err := ParseHeader(b); !isReason(err, ReasonMagic) {
			t.Errorf("magic %d: %v", magic, err)
		}
	}
}

// Validate: each broken rule named, each caught with its reason.
func TestValidate(t *testing.T) {
	good := simpleBatch(3, []byte("value"), 1)
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name   string
		batch  []byte
		reason Reason // "" = valid
	}{
		{"valid", good, ""},
		{"empty input", nil, ReasonShortHeader},
		{"truncated header", good[:30], ReasonShortHeader},
		{"magic 1", edit(func(b []byte) []byte { b[offMagic] = 1; return b }), ReasonMagic},
		{"truncated records", good[:len(good)-1], ReasonLength},
		{"trailing byte", append(append([]byte(nil), good...), 0), ReasonLength},
		{"length below header", edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[offLength:], 48); return b }), ReasonLength},
		{"negative length", edit(func(b []byte) []byte { binary.BigEndian.PutUint32(b[offLength:], 0xffffffff); return b }), ReasonLength},
		{"negative lastOffsetDelta", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offLastOffsetDelta:], 0xffffffff)
			return rewriteCRC(b)
		}), ReasonCount},
		{"negative record count", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offNumRecords:], 0xffffffff)
			return rewriteCRC(b)
		}), ReasonCount},
		{"more records than offsets", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offNumRecords:], 4)
			return rewriteCRC(b)
		}), ReasonCount},
		{"fewer records than offsets (compacted) is fine", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[offLastOffsetDelta:], 10)
			return rewriteCRC(b)
		}), ""},
		{"flipped bit in a record", edit(func(b []byte) []byte { b[len(b)-2] ^= 0x10; return b }), ReasonCRC},
		{"flipped attribute bit", edit(func(b []byte) []byte { b[offAttributes+1] ^= 0x08; return b }), ReasonCRC},
		{"wrong crc field", edit(func(b []byte) []byte { b[offCRC] ^= 1; return b }), ReasonCRC},
		{"base offset is not covered by the crc", edit(func(b []byte) []byte { SetBaseOffset(b, 77); return b }), ""},
		{"leader epoch is not covered by the crc", edit(func(b []byte) []byte { SetPartitionLeaderEpoch(b, 9); return b }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(tc.batch)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if !isReason(err, tc.reason) {
				t.Fatalf("got %v, want %q", err, tc.reason)
			}
		})
	}
}

func TestStampers(t *testing.T) {
	b := simpleBatch(2, []byte("v"), 100)
	SetBaseOffset(b, 1<<40)
	SetPartitionLeaderEpoch(b, 12)
	SetLogAppendTime(b, 5555)
	h, err := Validate(b)
	if err != nil {
		t.Fatalf("stamped batch invalid: %v", err)
	}
	if h.BaseOffset != 1<<40 || h.PartitionLeaderEpoch != 12 || !h.LogAppendTime() || h.MaxTimestamp != 5555 || h.FirstTimestamp != 100 {
		t.Fatalf("stamped header %+v", h)
	}
	if h.Codec() != CodecNone || h.Transactional() {
		t.Fatalf("SetLogAppendTime disturbed other attributes: %#x", h.Attributes)
	}
	err = ForEachRecord(b, DecodeOptions{}, func(r Record) error {
		if r.Timestamp(h) != 5555 {
			t.Errorf("record timestamp %d after SetLogAppendTime", r.Timestamp(h))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNext(t *testing.T) {
	a, b := simpleBatch(1, []byte("a"), 1), simpleBatch(2, []byte("bb"), 2)
	stream := append(append([]byte(nil), a...), b...)
	first, rest, ok := Next(stream)
	if !ok || !bytes.Equal(first, a) || !bytes.Equal(rest, b) {
		t.Fatalf("first split: ok %v, %d/%d bytes", ok, len(first), len(rest))
	}
	second, rest, ok := Next(rest)
	if !ok || !bytes.Equal(second, b) || len(rest) != 0 {
		t.Fatalf("second split: ok %v", ok)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"under the length field", a[:LengthFieldEnd-1]},
		{"torn batch", b[:20]},
		{"length too small for a header", func() []byte {
			x := append([]byte(nil), a...)
			binary.BigEndian.PutUint32(x[offLength:], HeaderSize-LengthFieldEnd-1)
			return x
		}()},
		{"negative length", func() []byte {
			x := append([]byte(nil), a...)
			binary.BigEndian.PutUint32(x[offLength:], 0x80000000)
			return x
		}()},
	} {
		in := tc.in
		first, rest, ok := Next(in)
		if ok || first != nil || len(rest) != len(in) {
			t.Errorf("%s: ok %v first %d rest %d", tc.name, ok, len(first), len(rest))
		}
	}
	// A header-only batch (no records) is the smallest complete one.
	empty := NewBuilder(DefaultBuilderOptions()).Build()
	if first, _, ok := Next(empty); !ok || len(first) != HeaderSize {
		t.Errorf("header-only batch: ok %v len %d", ok, len(first))
	}
}

func TestIncrementSequence(t *testing.T) {
	for _, tc := range []struct{ seq, n, want int32 }{
		{0, 0, 0},
		{5, 3, 8},
		{math.MaxInt32, 0, math.MaxInt32},
		{math.MaxInt32, 1, 0},
		{math.MaxInt32 - 1, 5, 3},
		{math.MaxInt32 - 4, 4, math.MaxInt32},
		{math.MaxInt32 - 4, 5, 0},
	} {
		if got := IncrementSequence(tc.seq, tc.n); got != tc.want {
			t.Errorf("IncrementSequence(%d, %d) = %d, want %d", tc.seq, tc.n, got, tc.want)
		}
	}
	if got := (Header{BaseSequence: math.MaxInt32 - 1, LastOffsetDelta: 2}).LastSequence(); got != 0 {
		t.Errorf("LastSequence wrap = %d", got)
	}
	if got := (Header{BaseSequence: NoSequence, LastOffsetDelta: 2}).LastSequence(); got != NoSequence {
		t.Errorf("LastSequence without sequence = %d", got)
	}
}

func TestCodecString(t *testing.T) {
	for c, want := range map[Codec]string{CodecNone: "none", CodecGzip: "gzip", CodecSnappy: "snappy", CodecLZ4: "lz4", CodecZstd: "zstd", 6: "codec(6)"} {
		if c.String() != want {
			t.Errorf("%d: %q", c, c.String())
		}
	}
}

func TestFormatErrorUnwraps(t *testing.T) {
	inner := errors.New("inner")
	err := error(&FormatError{Reason: ReasonCodec, Detail: "gzip", Err: inner})
	if !errors.Is(err, inner) || err.Error() != "record batch: bad compression: gzip: inner" {
		t.Fatalf("%v", err)
	}
}
