package batch

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

var validateNow = time.UnixMilli(1_700_000_000_000)

// createTimeOpts: CreateTime, Kafka 4's defaults (no lower bound, one hour
// into the future).
func createTimeOpts() ValidateOptions {
	return ValidateOptions{Now: validateNow, TimestampBeforeMaxMs: math.MaxInt64, TimestampAfterMaxMs: 3_600_000}
}

type batchEdit func(*BuilderOptions, *Builder)

// build makes a producer batch of three keyed records stamped now, after
// letting edit change the options or add records of its own.
func build(t testing.TB, codec Codec, edits ...batchEdit) []byte {
	t.Helper()
	opts := DefaultBuilderOptions()
	opts.Codec = codec
	opts.FirstTimestamp = validateNow.UnixMilli()
	for _, edit := range edits {
		if edit != nil {
			edit(&opts, nil)
		}
	}
	bld := NewBuilder(opts)
	for _, edit := range edits {
		if edit != nil {
			edit(nil, bld)
		}
	}
	if bld.NumRecords() == 0 {
		for i := int32(0); i < 3; i++ {
			bld.Add(Record{OffsetDelta: i, TimestampDelta: int64(i), Key: []byte{'k', byte('0' + i)}, Value: []byte("v")})
		}
	}
	return bld.Build()
}

// patch edits header bytes after building and fixes the CRC.
func patch(b []byte, at int, v uint32, size int) []byte {
	switch size {
	case 4:
		binary.BigEndian.PutUint32(b[at:], v)
	case 8:
		binary.BigEndian.PutUint64(b[at:], uint64(int64(int32(v))))
	}
	return rewriteCRC(b)
}

func records(recs ...Record) batchEdit {
	return func(_ *BuilderOptions, b *Builder) {
		if b != nil {
			for _, r := range recs {
				b.Add(r)
			}
		}
	}
}

func options(f func(*BuilderOptions)) batchEdit {
	return func(o *BuilderOptions, _ *Builder) {
		if o != nil {
			f(o)
		}
	}
}

func TestValidateRecords(t *testing.T) {
	hour := int64(3_600_000)
	cases := []struct {
		name       string
		batch      func(Codec) []byte
		opts       func(*ValidateOptions)
		reason     Reason              // batch-level failure expected
		recordErrs []RecordErrorReason // per-record errors expected, by index order
		indexes    []int32
	}{
		{name: "valid batch", batch: func(c Codec) []byte { return build(t, c, nil) }},
		{name: "valid idempotent transactional batch", batch: func(c Codec) []byte {
			return build(t, c, options(func(o *BuilderOptions) {
				o.ProducerID, o.ProducerEpoch, o.BaseSequence, o.Transactional = 5, 0, 0, true
			}))
		}},
		{name: "control batch from a client", reason: ReasonControl, batch: func(c Codec) []byte {
			return build(t, c, options(func(o *BuilderOptions) { o.Control, o.ProducerID, o.BaseSequence = true, 1, 0 }))
		}},
		{name: "producer id without base sequence", reason: ReasonSequence, batch: func(c Codec) []byte {
			return build(t, c, options(func(o *BuilderOptions) { o.ProducerID, o.ProducerEpoch = 9, 0 }))
		}},
		{name: "base offset not zero", reason: ReasonOffsets, batch: func(c Codec) []byte {
			return build(t, c, options(func(o *BuilderOptions) { o.BaseOffset = 10 }))
		}},
		{name: "record count below lastOffsetDelta+1", reason: ReasonCount, batch: func(c Codec) []byte {
			return patch(build(t, c, nil), offNumRecords, 2, 4)
		}},
		{name: "record count above lastOffsetDelta+1", reason: ReasonCount, batch: func(c Codec) []byte {
			return patch(build(t, c, nil), offLastOffsetDelta, 1, 4)
		}},
		{name: "zero records", reason: ReasonCount, batch: func(c Codec) []byte {
			b := patch(build(t, c, nil), offNumRecords, 0, 4)
			return patch(b, offLastOffsetDelta, 0xffffffff, 4)
		}},
		{name: "negative lastOffsetDelta", reason: ReasonCount, batch: func(c Codec) []byte {
			return patch(build(t, c, nil), offLastOffsetDelta, 0xfffffffe, 4)
		}},
		{name: "offset deltas out of order", reason: ReasonOffsets, batch: func(c Codec) []byte {
			return build(t, c, records(
				Record{OffsetDelta: 0, Key: []byte("a")},
				Record{OffsetDelta: 2, Key: []byte("b")},
				Record{OffsetDelta: 1, Key: []byte("c")}))
		}},
		{name: "offset deltas not starting at 0", reason: ReasonOffsets, batch: func(c Codec) []byte {
			return patch(build(t, c, records(Record{OffsetDelta: 1, Key: []byte("a")}, Record{OffsetDelta: 2, Key: []byte("b")})), offLastOffsetDelta, 1, 4)
		}},
		{name: "fewer records than the count", reason: ReasonRecords, batch: func(c Codec) []byte {
			return patch(patch(build(t, c, nil), offNumRecords, 4, 4), offLastOffsetDelta, 3, 4)
		}},
		{name: "trailing bytes after the last record", reason: ReasonRecords, batch: func(c Codec) []byte {
			opts := DefaultBuilderOptions()
			opts.Codec = c
			return rawBatch(t, opts, append(appendRecord(nil, Record{Key: []byte("k")}), 0, 0), 1)
		}},
		{name: "malformed record", reason: ReasonRecords, batch: func(c Codec) []byte {
			opts := DefaultBuilderOptions()
			opts.Codec = c
			return rawBatch(t, opts, []byte{0x0c, 0, 0, 0, 0x03, 1, 0}, 1)
		}},
		{name: "unknown codec", reason: ReasonCodec, batch: func(c Codec) []byte {
			b := build(t, c, nil)
			binary.BigEndian.PutUint16(b[offAttributes:], 6)
			return rewriteCRC(b)
		}},
		{name: "null key on compacted topic", opts: func(o *ValidateOptions) { o.RequireKeys = true },
			recordErrs: []RecordErrorReason{RecordKeyMissing}, indexes: []int32{1},
			batch: func(c Codec) []byte {
				return build(t, c, records(
					Record{OffsetDelta: 0, Key: []byte("a")},
					Record{OffsetDelta: 1, Key: nil},
					Record{OffsetDelta: 2, Key: []byte{}})) // empty is not null
			}},
		{name: "null key allowed without compaction", batch: func(c Codec) []byte {
			return build(t, c, records(Record{OffsetDelta: 0, Key: nil}))
		}},
		{name: "timestamp too far in the future", recordErrs: []RecordErrorReason{RecordTimestampOutOfRange}, indexes: []int32{2},
			batch: func(c Codec) []byte {
				return build(t, c, records(
					Record{OffsetDelta: 0, Key: []byte("a")},
					Record{OffsetDelta: 1, TimestampDelta: hour, Key: []byte("b")}, // exactly at the bound
					Record{OffsetDelta: 2, TimestampDelta: hour + 1, Key: []byte("c")}))
			}},
		{name: "timestamp too old", opts: func(o *ValidateOptions) { o.TimestampBeforeMaxMs = hour },
			recordErrs: []RecordErrorReason{RecordTimestampOutOfRange, RecordTimestampOutOfRange}, indexes: []int32{0, 2},
			batch: func(c Codec) []byte {
				return build(t, c, records(
					Record{OffsetDelta: 0, TimestampDelta: -hour - 1, Key: []byte("a")},
					Record{OffsetDelta: 1, TimestampDelta: -hour, Key: []byte("b")},
					Record{OffsetDelta: 2, TimestampDelta: -2 * hour, Key: []byte("c")}))
			}},
		{name: "extreme timestamps do not overflow", opts: func(o *ValidateOptions) { o.TimestampBeforeMaxMs = hour },
			recordErrs: []RecordErrorReason{RecordTimestampOutOfRange, RecordTimestampOutOfRange}, indexes: []int32{0, 1},
			batch: func(c Codec) []byte {
				return build(t, c, options(func(o *BuilderOptions) { o.FirstTimestamp = 0 }), records(
					Record{OffsetDelta: 0, TimestampDelta: math.MinInt64, Key: []byte("a")},
					Record{OffsetDelta: 1, TimestampDelta: math.MaxInt64, Key: []byte("b")}))
			}},
		{name: "no timestamp (-1) skips the range check", opts: func(o *ValidateOptions) { o.TimestampBeforeMaxMs = 0 },
			batch: func(c Codec) []byte {
				return build(t, c, options(func(o *BuilderOptions) { o.FirstTimestamp = -1 }), records(Record{OffsetDelta: 0, Key: []byte("a")}))
			}},
		{name: "LogAppendTime topic ignores timestamps", opts: func(o *ValidateOptions) { o.LogAppendTime = true },
			batch: func(c Codec) []byte {
				return build(t, c, records(Record{OffsetDelta: 0, TimestampDelta: -10 * 365 * 24 * hour, Key: []byte("a")}))
			}},
		{name: "LogAppendTime attribute from a producer", opts: func(o *ValidateOptions) { o.LogAppendTime = true },
			recordErrs: []RecordErrorReason{RecordLogAppendTimeFromClient, RecordLogAppendTimeFromClient, RecordLogAppendTimeFromClient},
			indexes:    []int32{0, 1, 2},
			batch: func(c Codec) []byte {
				return build(t, c, options(func(o *BuilderOptions) { o.LogAppendTime = validateNow.UnixMilli() }))
			}},
		{name: "key error reported before timestamp error", opts: func(o *ValidateOptions) { o.RequireKeys = true },
			recordErrs: []RecordErrorReason{RecordKeyMissing}, indexes: []int32{0},
			batch: func(c Codec) []byte {
				return build(t, c, records(Record{OffsetDelta: 0, TimestampDelta: 10 * hour}))
			}},
	}
	for _, c := range allCodecs {
		for _, tc := range cases {
			t.Run(c.String()+"/"+tc.name, func(t *testing.T) {
				b := tc.batch(c)
				h, err := Validate(b)
				if err != nil && tc.reason != ReasonCount {
					t.Fatalf("Validate: %v", err)
				}
				opts := createTimeOpts()
				if tc.opts != nil {
					tc.opts(&opts)
				}
				errs, err := ValidateRecords(b, h, opts)
				if tc.reason != "" {
					if !isReason(err, tc.reason) {
						t.Fatalf("got %v, want reason %q", err, tc.reason)
					}
					return
				}
				if err != nil {
					t.Fatalf("unexpected batch error %v", err)
				}
				if len(errs) != len(tc.recordErrs) {
					t.Fatalf("record errors %v, want reasons %v", errs, tc.recordErrs)
				}
				for i, e := range errs {
					if e.Reason != tc.recordErrs[i] || e.Index != tc.indexes[i] || e.Message == "" {
						t.Errorf("record error %d = %+v, want %v at %d", i, e, tc.recordErrs[i], tc.indexes[i])
					}
				}
			})
		}
	}
}

// rawBatch wraps an encoded records section (compressed with opts.Codec).
func rawBatch(t testing.TB, opts BuilderOptions, raw []byte, count int32) []byte {
	t.Helper()
	bld := NewBuilder(opts)
	bld.records = raw
	bld.numRecords = count
	bld.lastOffsetDelta = count - 1
	return bld.Build()
}

func TestValidateSummary(t *testing.T) {
	b := build(t, CodecLZ4, records(
		Record{OffsetDelta: 0, TimestampDelta: 5, Key: []byte("a")},
		Record{OffsetDelta: 1, TimestampDelta: 9, Key: []byte("b")},
		Record{OffsetDelta: 2, TimestampDelta: 9, Key: []byte("c")},
		Record{OffsetDelta: 3, TimestampDelta: -3, Key: []byte("d")}))
	h, _ := Validate(b)
	sum, errs, err := ValidateRecordsSummary(b, h, createTimeOpts())
	if err != nil || errs != nil {
		t.Fatal(err, errs)
	}
	if sum.MaxTimestamp != validateNow.UnixMilli()+9 || sum.MaxTimestampOffsetDelta != 1 || sum.UncompressedBytes == 0 {
		t.Fatalf("summary %+v", sum)
	}
}

// ValidateRecords never trusts h to match b.
func TestValidateRecordsShortInput(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, HeaderSize-1)} {
		_, err := ValidateRecords(b, Header{NumRecords: 1}, createTimeOpts())
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%d bytes: %v", len(b), err)
		}
	}
}

func TestRecordErrorReasonMapping(t *testing.T) {
	if RecordKeyMissing.InvalidTimestamp() || !RecordTimestampOutOfRange.InvalidTimestamp() || !RecordLogAppendTimeFromClient.InvalidTimestamp() {
		t.Fatal("timestamp classification wrong")
	}
	for _, r := range []RecordErrorReason{RecordKeyMissing, RecordTimestampOutOfRange, RecordLogAppendTimeFromClient, 99} {
		if r.String() == "" {
			t.Errorf("%d has no name", r)
		}
	}
}

// Validating an uncompressed batch allocates nothing at all.
func TestValidateUncompressedDoesNotAllocate(t *testing.T) {
	b := simpleBatch(16, make([]byte, 1024), validateNow.UnixMilli())
	h, _ := Validate(b)
	opts := createTimeOpts()
	opts.RequireKeys = true
	allocs := testing.AllocsPerRun(100, func() {
		if errs, err := ValidateRecords(b, h, opts); err != nil || errs != nil {
			t.Fatal(err, errs)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per validation", allocs)
	}
}
