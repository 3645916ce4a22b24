package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
)

func compressible(n int) []byte {
	return bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog "), n/44+1)[:n]
}

func random(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Compress → Decompress round trips, and each side agrees with franz-go's
// independent compressors and decompressor.
func TestCompressRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":        {},
		"small":        []byte("x"),
		"compressible": compressible(200_000),
		"random":       random(70_000, 1),
	}
	for _, c := range allCodecs {
		for name, in := range inputs {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				comp, err := Compress(c, in)
				if err != nil {
					t.Fatal(err)
				}
				out, err := Decompress(c, comp, 0)
				if err != nil || !bytes.Equal(out, in) {
					t.Fatalf("own round trip: %v (%d bytes, want %d)", err, len(out), len(in))
				}
				if len(in) > 0 { // kgo skips the codec for empty input
					if got := kgoDecompress(t, c, comp); !bytes.Equal(got, in) {
						t.Fatalf("kgo cannot decode our %v output", c)
					}
					out, err = Decompress(c, kgoCompress(t, c, in), 0)
					if err != nil || !bytes.Equal(out, in) {
						t.Fatalf("kgo's %v output: %v", c, err)
					}
				}
			})
		}
	}
}

// Snappy arrives in two framings: raw blocks (librdkafka, kgo's one-shot
// path) and xerial (the Java producer). Both decode, including xerial
// streams of several blocks and of none.
func TestSnappyFramings(t *testing.T) {
	in := compressible(100_000) // four 32 KiB xerial blocks
	raw := s2.EncodeSnappy(nil, in)
	framed := xerial.Encode(nil, in)
	if !bytes.HasPrefix(framed, xerialMagic) || bytes.HasPrefix(raw, xerialMagic) {
		t.Fatal("test inputs are not the framings they claim")
	}
	for name, src := range map[string][]byte{"raw": raw, "xerial": framed} {
		out, err := Decompress(CodecSnappy, src, 0)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s: %v", name, err)
		}
	}
	out, err := Decompress(CodecSnappy, framed[:xerialHeaderSize], 0)
	if err != nil || len(out) != 0 {
		t.Errorf("xerial with no blocks: %q %v", out, err)
	}
	// Hand-built xerial with a different version pair (old snappy-java
	// wrote others) is accepted: only the magic identifies the framing.
	hand := append(append([]byte(nil), xerialMagic...), 0, 0, 0, 1, 0, 0, 0, 0)
	block := s2.EncodeSnappy(nil, []byte("hello"))
	hand = binary.BigEndian.AppendUint32(hand, uint32(len(block)))
	hand = append(hand, block...)
	if out, err := Decompress(CodecSnappy, hand, 0); err != nil || string(out) != "hello" {
		t.Errorf("hand-built xerial: %q %v", out, err)
	}
	for name, bad := range map[string][]byte{
		"block length past end": append(append([]byte(nil), framed[:xerialHeaderSize]...), 0, 0, 1, 0, 1),
		"short length":          append(append([]byte(nil), framed[:xerialHeaderSize]...), 0, 0),
		"corrupt block":         append(append([]byte(nil), framed[:xerialHeaderSize]...), 0, 0, 0, 2, 0xff, 0xff),
	} {
		if _, err := Decompress(CodecSnappy, bad, 0); !isReason(err, ReasonCodec) {
			t.Errorf("xerial %s: %v", name, err)
		}
	}
}

func isReason(err error, r Reason) bool {
	var fe *FormatError
	return errors.As(err, &fe) && fe.Reason == r
}

// A decompression bomb is refused with ReasonTooLarge by every codec,
// whether the codec declares its output size (snappy, zstd with a content
// size) or streams it (gzip, lz4, zstd without one), and output exactly at
// the limit is accepted.
func TestDecompressLimit(t *testing.T) {
	const size = 1 << 20
	in := make([]byte, size) // zeros: ratios in the hundreds
	zstdNoSize := func() []byte {
		var buf bytes.Buffer
		w, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		_, _ = w.Write(in[:size/2])
		_ = w.Flush()
		_, _ = w.Write(in[size/2:])
		_ = w.Close()
		var fh zstd.Header
		if err := fh.Decode(buf.Bytes()); err != nil || fh.HasFCS {
			t.Fatalf("test frame declares its size: %+v %v", fh, err)
		}
		return buf.Bytes()
	}()
	cases := map[string]struct {
		c   Codec
		src []byte
	}{
		"none":                  {CodecNone, in},
		"gzip":                  {CodecGzip, mustCompress(t, CodecGzip, in)},
		"snappy raw":            {CodecSnappy, s2.EncodeSnappy(nil, in)},
		"snappy xerial":         {CodecSnappy, mustCompress(t, CodecSnappy, in)},
		"lz4":                   {CodecLZ4, mustCompress(t, CodecLZ4, in)},
		"zstd with size":        {CodecZstd, mustCompress(t, CodecZstd, in)},
		"zstd streamed no size": {CodecZstd, zstdNoSize},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Decompress(tc.c, tc.src, size-1); !isReason(err, ReasonTooLarge) {
				t.Fatalf("limit size-1: %v", err)
			}
			if _, err := Decompress(tc.c, tc.src, 1000); !isReason(err, ReasonTooLarge) {
				t.Fatalf("limit 1000: %v", err)
			}
			out, err := Decompress(tc.c, tc.src, size)
			if err != nil || len(out) != size {
				t.Fatalf("limit == size: %d bytes, %v", len(out), err)
			}
		})
	}
}

func mustCompress(t testing.TB, c Codec, in []byte) []byte {
	t.Helper()
	out, err := Compress(c, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The limit also holds through ForEachRecord and ValidateRecords.
func TestRecordsDecompressLimit(t *testing.T) {
	opts := DefaultBuilderOptions()
	opts.Codec = CodecZstd
	bld := NewBuilder(opts)
	bld.AddSimple(nil, make([]byte, 100_000), 1)
	b := bld.Build()
	err := ForEachRecord(b, DecodeOptions{MaxDecompressedBytes: 50_000}, func(Record) error { return nil })
	if !isReason(err, ReasonTooLarge) {
		t.Fatalf("ForEachRecord: %v", err)
	}
	h, _ := Validate(b)
	if _, err := ValidateRecords(b, h, ValidateOptions{MaxDecompressedBytes: 50_000}); !isReason(err, ReasonTooLarge) {
		t.Fatalf("ValidateRecords: %v", err)
	}
	if err := ForEachRecord(b, DecodeOptions{MaxDecompressedBytes: 200_000}, func(Record) error { return nil }); err != nil {
		t.Fatalf("within limit: %v", err)
	}
}

func TestDecompressGarbage(t *testing.T) {
	for _, c := range []Codec{CodecGzip, CodecSnappy, CodecLZ4, CodecZstd} {
		for name, src := range map[string][]byte{"empty": {}, "junk": []byte("definitely not compressed data"), "random": random(300, 7)} {
			if _, err := Decompress(c, src, 0); !isReason(err, ReasonCodec) {
				t.Errorf("%v %s: %v", c, name, err)
			}
		}
	}
	if _, err := Decompress(Codec(6), []byte("x"), 0); !isReason(err, ReasonCodec) {
		t.Errorf("unknown codec: %v", err)
	}
	if _, err := Compress(Codec(7), []byte("x")); !isReason(err, ReasonCodec) {
		t.Errorf("compress unknown codec: %v", err)
	}
}

// A truncated compressed stream is an error, never a silent short result.
func TestDecompressTruncated(t *testing.T) {
	in := compressible(50_000)
	for _, c := range []Codec{CodecGzip, CodecSnappy, CodecLZ4, CodecZstd} {
		comp := mustCompress(t, c, in)
		for _, cut := range []int{1, len(comp) / 2, len(comp) - 1} {
			out, err := Decompress(c, comp[:cut], 0)
			if err == nil && bytes.Equal(out, in) {
				t.Errorf("%v cut at %d decoded fully", c, cut)
			} else if err == nil {
				t.Errorf("%v cut at %d: no error, %d bytes", c, cut, len(out))
			}
		}
	}
}

// Streaming zstd producers declare windows larger than their content; a
// small limit must not refuse them, while absurd windows are refused.
func TestZstdLargeWindowSmallContent(t *testing.T) {
	in := compressible(10_000)
	frame := func(window int) []byte {
		var buf bytes.Buffer
		w, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(window))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(in[:5000])
		_ = w.Flush() // the size is not known up front: the frame declares its window
		_, _ = w.Write(in[5000:])
		_ = w.Close()
		var fh zstd.Header
		if err := fh.Decode(buf.Bytes()); err != nil || fh.HasFCS || fh.WindowSize != uint64(window) {
			t.Fatalf("test frame header %+v %v", fh, err)
		}
		return buf.Bytes()
	}
	out, err := Decompress(CodecZstd, frame(16<<20), 64<<10)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("16 MiB window, 64 KiB limit: %v", err)
	}
	if _, err := Decompress(CodecZstd, frame(64<<20), 64<<10); !isReason(err, ReasonCodec) {
		t.Fatalf("64 MiB window: %v", err)
	}
}

func TestCodecNonePassesThrough(t *testing.T) {
	in := []byte("plain")
	if out, err := Compress(CodecNone, in); err != nil || &out[0] != &in[0] {
		t.Fatalf("Compress none copied or failed: %v", err)
	}
	if out, err := Decompress(CodecNone, in, 0); err != nil || &out[0] != &in[0] {
		t.Fatalf("Decompress none copied or failed: %v", err)
	}
	if _, err := Decompress(CodecNone, in, 4); !isReason(err, ReasonTooLarge) {
		t.Fatalf("none over limit: %v", err)
	}
}

// The pooled codecs and buffers are safe to share: many goroutines
// validate and decode compressed batches at once (run with -race).
func TestConcurrentDecoding(t *testing.T) {
	var batches [][]byte
	for _, c := range allCodecs {
		batches = append(batches, benchBatch(c, 8))
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 20 && err == nil; i++ {
				b := batches[(g+i)%len(batches)]
				h, _ := Validate(b)
				var rerrs []RecordError
				if rerrs, err = ValidateRecords(b, h, benchValidateOptions()); err == nil && rerrs != nil {
					err = rerrs[0]
				}
				if err == nil {
					n := 0
					err = ForEachRecord(b, DecodeOptions{}, func(r Record) error {
						if len(r.Value) != 1024 {
							return errors.New("corrupted value")
						}
						n++
						return nil
					})
					if err == nil && n != 8 {
						err = errors.New("lost records")
					}
				}
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
