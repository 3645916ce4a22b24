package batch

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// seedBatches are real batches of every codec and shape, for fuzz seeds.
func seedBatches(t testing.TB) [][]byte {
	var out [][]byte
	for _, c := range allCodecs {
		out = append(out, kmsgBatch(t, c, 1_700_000_000_000, sampleRecords()))
		opts := DefaultBuilderOptions()
		opts.Codec = c
		opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence = 1, 0, 0
		bld := NewBuilder(opts)
		bld.AddSimple([]byte("k"), []byte("v"), 1_700_000_000_000)
		bld.AddSimple(nil, nil, 1_700_000_000_001)
		out = append(out, bld.Build())
	}
	return out
}

// FuzzValidate: Validate and Next accept any bytes without panicking, and
// what they return is consistent with the input.
func FuzzValidate(f *testing.F) {
	for _, b := range seedBatches(f) {
		f.Add(b)
		f.Add(append(append([]byte(nil), b...), b[:20]...)) // a batch and a torn one
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, err := Validate(data); err == nil && h.Size() != len(data) {
			t.Fatalf("valid batch of size %d in %d bytes", h.Size(), len(data))
		}
		_, _ = ParseHeader(data)
		for rest := data; ; {
			first, next, ok := Next(rest)
			if !ok {
				if first != nil || len(next) != len(rest) {
					t.Fatal("Next consumed bytes without a batch")
				}
				break
			}
			if len(first) < HeaderSize || len(first)+len(next) != len(rest) {
				t.Fatalf("Next split %d into %d + %d", len(rest), len(first), len(next))
			}
			rest = next
		}
	})
}

// fuzzLimit keeps every fuzzed decompression small.
const fuzzLimit = 1 << 20

// FuzzRecords: ForEachRecord, Records and ValidateRecords accept any batch
// bytes without panicking and with bounded memory. With fix set, the
// length, magic and CRC are made right first so the fuzzer reaches the
// record and codec parsers rather than stopping at the CRC.
func FuzzRecords(f *testing.F) {
	for _, b := range seedBatches(f) {
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		b := append([]byte(nil), data...)
		if fix && len(b) >= HeaderSize {
			binary.BigEndian.PutUint32(b[offLength:], uint32(len(b)-LengthFieldEnd))
			b[offMagic] = Magic
			rewriteCRC(b)
		}
		opts := DecodeOptions{MaxDecompressedBytes: fuzzLimit}
		walked := 0
		walkErr := ForEachRecord(b, opts, func(r Record) error {
			walked++
			return nil
		})
		recs, recsErr := Records(b, opts)
		if (walkErr == nil) != (recsErr == nil) || (walkErr == nil && walked != len(recs)) {
			t.Fatalf("ForEachRecord (%v, %d records) and Records (%v, %d) disagree", walkErr, walked, recsErr, len(recs))
		}
		h, err := Validate(b)
		if err != nil {
			// ValidateRecords must survive a header that does not match.
			h, _ = ParseHeader(b)
		}
		vopts := ValidateOptions{Now: time.UnixMilli(1_700_000_000_000), TimestampBeforeMaxMs: 1 << 40, TimestampAfterMaxMs: 1 << 40,
			RequireKeys: true, MaxDecompressedBytes: fuzzLimit}
		errs, verr := ValidateRecords(b, h, vopts)
		if err == nil && verr == nil && recsErr != nil {
			t.Fatalf("ValidateRecords accepted a batch Records rejects: %v", recsErr)
		}
		if verr == nil && len(errs) > int(h.NumRecords) {
			t.Fatalf("%d record errors for %d records", len(errs), h.NumRecords)
		}
	})
}

func fuzzDecompress(f *testing.F, c Codec) {
	for _, in := range [][]byte{{}, []byte("hello"), compressible(5000), random(500, 3), make([]byte, 100_000)} {
		comp, err := Compress(c, in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(comp)
		if len(in) > 0 {
			f.Add(kgoCompress(f, c, in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 64 << 10
		if out, err := Decompress(c, data, limit); err == nil && len(out) > limit {
			t.Fatalf("%d bytes out past the %d limit", len(out), limit)
		}
		comp, err := Compress(c, data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := Decompress(c, comp, len(data)+1)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("round trip of %d bytes: %v", len(data), err)
		}
	})
}

func FuzzDecompressGzip(f *testing.F)   { fuzzDecompress(f, CodecGzip) }
func FuzzDecompressSnappy(f *testing.F) { fuzzDecompress(f, CodecSnappy) }
func FuzzDecompressLZ4(f *testing.F)    { fuzzDecompress(f, CodecLZ4) }
func FuzzDecompressZstd(f *testing.F)   { fuzzDecompress(f, CodecZstd) }
