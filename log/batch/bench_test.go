package batch

import (
	"fmt"
	"testing"
	"time"
)

// benchValue is 1 KiB that compresses the way typical JSON-ish payloads
// do: repetitive structure, varying digits.
func benchValue(i int) []byte {
	v := make([]byte, 0, 1024)
	for len(v) < 1024 {
		v = fmt.Appendf(v, `{"id":%d,"user":"u%05d","event":"click","ts":%d},`, i, i*7919%100000, 1_700_000_000_000+int64(i))
	}
	return v[:1024]
}

// benchBatch is a producer batch of n 1 KiB records with codec c.
func benchBatch(c Codec, n int) []byte {
	opts := DefaultBuilderOptions()
	opts.Codec = c
	opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence = 1, 0, 0
	bld := NewBuilder(opts)
	now := time.Now().UnixMilli()
	for i := 0; i < n; i++ {
		bld.AddSimple(fmt.Appendf(nil, "key-%d", i), benchValue(i), now)
	}
	return bld.Build()
}

func benchValidateOptions() ValidateOptions {
	return ValidateOptions{Now: time.Now(), TimestampBeforeMaxMs: 1 << 62, TimestampAfterMaxMs: 3_600_000, RequireKeys: true}
}

// BenchmarkValidateRecords: the produce path's per-record check on a
// 16 KiB batch of 1 KiB records, for each codec (uncompressed must not
// allocate).
func BenchmarkValidateRecords(b *testing.B) {
	for _, c := range allCodecs {
		b.Run(c.String(), func(b *testing.B) {
			raw := benchBatch(c, 16)
			h, err := Validate(raw)
			if err != nil {
				b.Fatal(err)
			}
			opts := benchValidateOptions()
			b.SetBytes(int64(16 * 1024)) // record payload, so codecs compare
			b.ReportAllocs()
			for b.Loop() {
				if errs, err := ValidateRecords(raw, h, opts); err != nil || errs != nil {
					b.Fatal(err, errs)
				}
			}
		})
	}
}

// BenchmarkValidate: header and CRC32C of the same 16 KiB batch.
func BenchmarkValidate(b *testing.B) {
	raw := benchBatch(CodecNone, 16)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecompress: 64 KiB of records section per codec; MB/s counts
// decompressed bytes.
func BenchmarkDecompress(b *testing.B) {
	raw := benchBatch(CodecNone, 64)[HeaderSize:]
	for _, c := range allCodecs[1:] {
		b.Run(c.String(), func(b *testing.B) {
			comp, err := Compress(c, raw)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(raw))/float64(len(comp)), "ratio")
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decompress(c, comp, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkForEachRecord: decoding every record (for timestamp lookups).
func BenchmarkForEachRecord(b *testing.B) {
	for _, c := range []Codec{CodecNone, CodecZstd} {
		b.Run(c.String(), func(b *testing.B) {
			raw := benchBatch(c, 16)
			b.SetBytes(16 * 1024)
			b.ReportAllocs()
			for b.Loop() {
				if err := ForEachRecord(raw, DecodeOptions{}, func(Record) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
