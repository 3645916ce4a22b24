package batch

import (
	"errors"
	"fmt"
	"testing"
)

// Batches built by kmsg and compressed by kgo's compressors decode with
// ForEachRecord and Records, for every codec.
func TestDecodeKmsgBatches(t *testing.T) {
	const firstTS = 1_700_000_000_000
	want := sampleRecords()
	for _, c := range allCodecs {
		t.Run(c.String(), func(t *testing.T) {
			b := kmsgBatch(t, c, firstTS, want)
			h, err := Validate(b)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if h.Codec() != c || h.NumRecords != int32(len(want)) {
				t.Fatalf("header codec %v, %d records", h.Codec(), h.NumRecords)
			}
			recs, err := Records(b, DecodeOptions{})
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			if len(recs) != len(want) {
				t.Fatalf("Records: %d records, want %d", len(recs), len(want))
			}
			for i := range want {
				equalRecord(t, fmt.Sprintf("Records[%d]", i), recs[i], want[i])
			}
			i := 0
			err = ForEachRecord(b, DecodeOptions{}, func(r Record) error {
				equalRecord(t, fmt.Sprintf("ForEachRecord #%d", i), r, want[i])
				if got, wantTS := r.Timestamp(h), firstTS+want[i].TimestampDelta; got != wantTS {
					t.Errorf("record %d timestamp %d, want %d", i, got, wantTS)
				}
				if r.Offset(h) != int64(i) {
					t.Errorf("record %d offset %d", i, r.Offset(h))
				}
				i++
				return nil
			})
			if err != nil || i != len(want) {
				t.Fatalf("ForEachRecord: %v after %d records", err, i)
			}
		})
	}
}

// The Builder's output decodes with kmsg and kgo's decompressor alone, and
// its header fields are the ones asked for.
func TestBuilderDecodesWithKmsg(t *testing.T) {
	want := sampleRecords()
	for _, c := range allCodecs {
		t.Run(c.String(), func(t *testing.T) {
			opts := DefaultBuilderOptions()
			opts.Codec = c
			opts.BaseOffset = 1000
			opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence = 42, 3, 17
			opts.Transactional = true
			opts.FirstTimestamp = 5_000
			bld := NewBuilder(opts)
			for _, r := range want {
				bld.Add(r)
			}
			b := bld.Build()
			kb, krecs := kmsgRecords(t, b)
			if kb.FirstOffset != 1000 || kb.ProducerID != 42 || kb.ProducerEpoch != 3 || kb.FirstSequence != 17 ||
				kb.Attributes != int16(c)|attrTransactional || kb.LastOffsetDelta != 5 || kb.FirstTimestamp != 5_000 ||
				kb.MaxTimestamp != 5_000+1<<40 || kb.NumRecords != 6 || kb.PartitionLeaderEpoch != -1 {
				t.Fatalf("kmsg header %+v", kb)
			}
			for i, kr := range krecs {
				equalRecord(t, fmt.Sprintf("kmsg record %d", i), fromKmsg(kr), want[i])
			}
			if _, err := Validate(b); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestBuilderAddSimple(t *testing.T) {
	bld := NewBuilder(DefaultBuilderOptions())
	bld.AddSimple([]byte("a"), []byte("1"), 100)
	bld.AddSimple(nil, []byte("2"), 90) // earlier than the first: negative delta
	bld.AddSimple([]byte("c"), nil, 130)
	b := bld.Build()
	h, err := Validate(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.FirstTimestamp != 100 || h.MaxTimestamp != 130 || h.LastOffsetDelta != 2 || h.NumRecords != 3 || h.LogAppendTime() {
		t.Fatalf("header %+v", h)
	}
	recs, err := Records(b, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantTS := []int64{100, 90, 130}
	for i, r := range recs {
		if r.OffsetDelta != int32(i) || r.Timestamp(h) != wantTS[i] {
			t.Errorf("record %d: delta %d ts %d", i, r.OffsetDelta, r.Timestamp(h))
		}
	}
	if recs[1].Key != nil || recs[2].Value != nil {
		t.Errorf("null key/value not kept: %q %q", recs[1].Key, recs[2].Value)
	}
}

func TestBuilderLogAppendTimeAndControl(t *testing.T) {
	opts := DefaultBuilderOptions()
	opts.LogAppendTime = 999
	opts.Control, opts.Transactional = true, true
	opts.ProducerID, opts.ProducerEpoch = 7, 1
	bld := NewBuilder(opts)
	bld.Add(EndTxnMarker(ControlCommit, 12))
	b := bld.Build()
	h, err := Validate(b)
	if err != nil {
		t.Fatal(err)
	}
	if !h.LogAppendTime() || !h.Control() || !h.Transactional() || h.MaxTimestamp != 999 {
		t.Fatalf("header %+v", h)
	}
	recs, err := Records(b, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Timestamp(h) != 999 {
		t.Errorf("LogAppendTime record timestamp %d, want the batch max 999", recs[0].Timestamp(h))
	}
	typ, err := ParseControlKey(recs[0].Key)
	if err != nil || typ != ControlCommit {
		t.Errorf("control key: %v %v", typ, err)
	}
	if string(recs[0].Value) != "\x00\x00\x00\x00\x00\x0c" {
		t.Errorf("marker value %x", recs[0].Value)
	}
}

func TestParseControlKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  []byte
		want ControlType
		ok   bool
	}{
		{"abort", []byte{0, 0, 0, 0}, ControlAbort, true},
		{"commit with trailing bytes", []byte{0, 0, 0, 1, 9}, ControlCommit, true},
		{"unknown type kept", []byte{0, 1, 0, 5}, 5, true},
		{"short", []byte{0, 0, 0}, 0, false},
		{"null", nil, 0, false},
		{"negative version", []byte{0xff, 0xff, 0, 1}, 0, false},
	} {
		got, err := ParseControlKey(tc.key)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%s: %v, %v", tc.name, got, err)
		}
	}
}

func TestRecordSequence(t *testing.T) {
	h := Header{BaseSequence: 2147483646}
	if got := (Record{OffsetDelta: 3}).Sequence(h); got != 1 {
		t.Errorf("wrapped sequence %d, want 1", got)
	}
	if got := (Record{OffsetDelta: 3}).Sequence(Header{BaseSequence: NoSequence}); got != NoSequence {
		t.Errorf("no-sequence batch gave %d", got)
	}
}

// A fn error stops the walk and comes back unchanged.
func TestForEachRecordStops(t *testing.T) {
	b := simpleBatch(5, []byte("v"), 1)
	stop := errors.New("stop")
	n := 0
	err := ForEachRecord(b, DecodeOptions{}, func(Record) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Fatalf("err %v after %d records", err, n)
	}
}

// Compacted batches keep their offset range but lose records: decoding
// accepts gaps, and an empty (header-only) batch of any codec.
func TestDecodeCompactedShapes(t *testing.T) {
	opts := DefaultBuilderOptions()
	bld := NewBuilder(opts)
	bld.Add(Record{OffsetDelta: 0, Key: []byte("a")})
	bld.Add(Record{OffsetDelta: 4, Key: []byte("b")})
	b := bld.Build()
	h, err := Validate(b)
	if err != nil || h.LastOffsetDelta != 4 || h.NumRecords != 2 {
		t.Fatalf("gapped batch: %+v %v", h, err)
	}
	if recs, err := Records(b, DecodeOptions{}); err != nil || len(recs) != 2 || recs[1].Offset(h) != 4 {
		t.Fatalf("gapped batch records %v %v", recs, err)
	}
	for _, c := range allCodecs {
		opts.Codec = c
		empty := NewBuilder(opts).Build()
		// Kafka's empty batches carry no records section at all.
		empty = empty[:HeaderSize]
		putLength(empty)
		if recs, err := Records(rewriteCRC(empty), DecodeOptions{}); err != nil || len(recs) != 0 {
			t.Errorf("%v empty batch: %v %v", c, recs, err)
		}
	}
}

func putLength(b []byte) {
	b[offLength], b[offLength+1], b[offLength+2], b[offLength+3] = byte(uint32(len(b)-12)>>24), byte(uint32(len(b)-12)>>16), byte(uint32(len(b)-12)>>8), byte(len(b)-12)
}

// Each malformed records section fails with ReasonRecords (or
// ReasonCodec) and never with a panic.
func TestRecordsMalformed(t *testing.T) {
	good := simpleBatch(2, []byte("value"), 10)
	records := func(raw []byte, count int32) []byte {
		b := append(append([]byte(nil), good[:HeaderSize]...), raw...)
		b[offNumRecords], b[offNumRecords+1], b[offNumRecords+2], b[offNumRecords+3] = byte(count>>24), byte(count>>16), byte(count>>8), byte(count)
		putLength(b)
		return rewriteCRC(b)
	}
	one := appendRecord(nil, Record{Key: []byte("k"), Value: []byte("v")})
	for _, tc := range []struct {
		name   string
		batch  []byte
		reason Reason
	}{
		{"count above records", records(one, 2), ReasonRecords},
		{"bytes after last record", records(append(append([]byte(nil), one...), 0), 1), ReasonRecords},
		{"record length past end", records([]byte{0x7e, 0, 0, 0, 1, 1, 0}, 1), ReasonRecords},
		{"record length too small", records([]byte{0x02, 0, 0}, 1), ReasonRecords},
		{"negative record length", records([]byte{0x01, 0, 0, 0, 1, 1, 0}, 1), ReasonRecords},
		{"key length past record", records([]byte{0x0c, 0, 0, 0, 0x0a, 1, 1, 0}, 1), ReasonRecords},
		{"key length -2", records([]byte{0x0c, 0, 0, 0, 0x03, 1, 0}, 1), ReasonRecords},
		{"value length -2", records([]byte{0x0c, 0, 0, 0, 1, 0x03, 0}, 1), ReasonRecords},
		{"negative header count", records([]byte{0x0c, 0, 0, 0, 1, 1, 0x01}, 1), ReasonRecords},
		{"header count over bytes", records([]byte{0x0e, 0, 0, 0, 1, 1, 0x04, 0}, 1), ReasonRecords},
		{"negative header key length", records([]byte{0x10, 0, 0, 0, 1, 1, 0x02, 0x01, 1}, 1), ReasonRecords},
		{"header value length -3", records([]byte{0x10, 0, 0, 0, 1, 1, 0x02, 0, 0x05}, 1), ReasonRecords},
		{"fields short of record length", records([]byte{0x0e, 0, 0, 0, 1, 1, 0, 0}, 1), ReasonRecords},
		{"varint cut by record length", records([]byte{0x0c, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0}, 1), ReasonRecords},
		{"overlong timestamp varint", records([]byte{0x1c, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 0, 1, 1, 0}, 1), ReasonRecords},
		{"unknown codec", func() []byte { b := append([]byte(nil), good...); b[offAttributes+1] |= 5; return rewriteCRC(b) }(), ReasonCodec},
		{"garbage gzip", func() []byte {
			b := records([]byte("not gzip at all"), 1)
			b[offAttributes+1] |= byte(CodecGzip)
			return rewriteCRC(b)
		}(), ReasonCodec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Records(tc.batch, DecodeOptions{})
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Reason != tc.reason {
				t.Fatalf("Records: %v, want reason %q", err, tc.reason)
			}
			err = ForEachRecord(tc.batch, DecodeOptions{}, func(Record) error { return nil })
			if !errors.As(err, &fe) || fe.Reason != tc.reason {
				t.Fatalf("ForEachRecord: %v, want reason %q", err, tc.reason)
			}
		})
	}
}

// A CRC mismatch is caught before any record is looked at.
func TestRecordsChecksCRC(t *testing.T) {
	b := simpleBatch(2, []byte("value"), 10)
	b[len(b)-1] ^= 1
	_, err := Records(b, DecodeOptions{})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Reason != ReasonCRC {
		t.Fatalf("got %v", err)
	}
}
