package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// What each Kafka client writes, and so what must decode:
//
//	gzip    RFC 1952, possibly several members (Java's GZIPInputStream reads them all)
//	snappy  the Java producer (snappy-java's SnappyOutputStream) and kgo's
//	        streaming path write xerial framing: an 8-byte magic, two int32
//	        versions, then blocks of [int32 big-endian length][raw snappy];
//	        librdkafka and kgo's one-shot path write one raw snappy block
//	lz4     the LZ4 frame format (Kafka's KafkaLZ4BlockOutputStream, kgo and
//	        librdkafka via pierrec/lz4 or liblz4)
//	zstd    zstd frames (zstd-jni, libzstd, klauspost/compress)
//
// Stateful codecs are kept in sync.Pools. They are caches, not state: a
// pooled coder is reset before each use, so nothing observable carries over.

func (c Codec) known() bool { return c >= CodecNone && c <= CodecZstd }

var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// xerialHeaderSize is the magic plus the stream version and the minimum
// compatible version (two big-endian int32s, both 1 from snappy-java).
const xerialHeaderSize = 16

// Decompress returns src decompressed with codec c. limit caps the output
// size (zero or less means DefaultMaxDecompressedBytes); a larger output
// fails with ReasonTooLarge before more than about limit bytes are held
// (for zstd, max(limit, 32 MiB): see zstdMaxWindow).
// For CodecNone src itself is returned. Errors are *FormatError (ReasonCodec
// wrapping the codec's error, or ReasonTooLarge).
func Decompress(c Codec, src []byte, limit int) ([]byte, error) {
	limit = effectiveLimit(limit)
	if c == CodecNone {
		if len(src) > limit {
			return nil, tooLarge(limit)
		}
		return src, nil
	}
	return decompressAppend(c, nil, src, limit)
}

// decompressAppend decompresses src into dst[len(dst):], using dst's spare
// capacity first. limit counts only the decompressed bytes.
func decompressAppend(c Codec, dst, src []byte, limit int) ([]byte, error) {
	base := len(dst)
	var (
		out []byte
		err error
	)
	if c != CodecNone && c.known() && len(src) == 0 {
		return nil, formatErrorf(ReasonCodec, "empty %v data", c)
	}
	switch c {
	case CodecNone:
		if len(src) > limit {
			return nil, tooLarge(limit)
		}
		return append(dst, src...), nil
	case CodecGzip:
		out, err = decompressGzip(dst, src, base+limit)
	case CodecSnappy:
		out, err = decompressSnappy(dst, src, limit)
	case CodecLZ4:
		out, err = decompressLZ4(dst, src, base+limit)
	case CodecZstd:
		out, err = decompressZstd(dst, src, limit)
	default:
		return nil, formatErrorf(ReasonCodec, "unknown codec %d", int8(c))
	}
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, &FormatError{Reason: ReasonCodec, Detail: c.String(), Err: err}
	}
	return out, nil
}

func tooLarge(limit int) *FormatError {
	return formatErrorf(ReasonTooLarge, "more than %d bytes", limit)
}

// readLimited appends everything r yields to dst, failing once dst would
// pass max bytes. It grows dst by doubling, never far past max+1.
func readLimited(dst []byte, r io.Reader, maxLen int) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			if len(dst) > maxLen {
				return nil, tooLarge(maxLen)
			}
			grow := min(max(cap(dst), 4<<10), maxLen+1-len(dst))
			dst = slices.Grow(dst, grow)
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst) > maxLen {
			return nil, tooLarge(maxLen)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

type gzipDecoder struct {
	zr  gzip.Reader
	src bytes.Reader
}

var gzipDecoders = sync.Pool{New: func() any { return new(gzipDecoder) }}

func decompressGzip(dst, src []byte, maxLen int) ([]byte, error) {
	d := gzipDecoders.Get().(*gzipDecoder)
	defer gzipDecoders.Put(d)
	d.src.Reset(src)
	if err := d.zr.Reset(&d.src); err != nil {
		return nil, err
	}
	// A gzip member ends with its uncompressed size (mod 2^32): a hint
	// that saves regrowing the output, never trusted past the limit.
	if len(src) >= 4 {
		dst = reserve(dst, int(binary.LittleEndian.Uint32(src[len(src)-4:])), maxLen)
	}
	return readLimited(dst, &d.zr, maxLen)
}

// reserve grows dst's spare capacity toward an expected output of n bytes
// (plus room to see the end of the stream), within maxLen.
func reserve(dst []byte, n, maxLen int) []byte {
	want := min(n+512, maxLen+1-len(dst))
	if want > cap(dst)-len(dst) {
		dst = slices.Grow(dst, want)
	}
	return dst
}

type lz4Decoder struct {
	zr  *lz4.Reader
	src bytes.Reader
}

var lz4Decoders = sync.Pool{New: func() any { return &lz4Decoder{zr: lz4.NewReader(nil)} }}

func decompressLZ4(dst, src []byte, maxLen int) ([]byte, error) {
	d := lz4Decoders.Get().(*lz4Decoder)
	defer lz4Decoders.Put(d)
	d.src.Reset(src)
	d.zr.Reset(&d.src)
	// Kafka's LZ4 frames do not carry their content size; records
	// typically compress about fourfold.
	return readLimited(reserve(dst, 4*len(src), maxLen), d.zr, maxLen)
}

// zstd decoders decode synchronously (concurrency 1, no goroutines).
//
// DecodeAll writes a frame straight into the output, so the frame's window
// costs no memory of its own, and it stops as soon as the output passes the
// decoder's maximum. But klauspost also refuses any frame whose window is
// larger than that maximum, and streaming producers declare windows bigger
// than their content (zstd-jni, the Java producer, uses 2 MiB at the
// default level 3 and 8 MiB at level 19), so the maximum cannot simply be
// the caller's limit, which may be as small as max.message.bytes. The
// decoder's maximum is therefore the larger of the limit and
// zstdMaxWindow, and the limit is checked again on the result: a bomb
// costs at most that much memory before it is refused.
const zstdMaxWindow = 32 << 20

var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(zstdMaxWindow))
	if err != nil {
		panic(fmt.Sprintf("zstd decoder with static options: %v", err))
	}
	return d
}}

func decompressZstd(dst, src []byte, limit int) ([]byte, error) {
	d := zstdDecoders.Get().(*zstd.Decoder)
	defer zstdDecoders.Put(d)
	if err := d.ResetWithOptions(nil, zstd.WithDecoderMaxMemory(uint64(max(limit, zstdMaxWindow)))); err != nil {
		return nil, err
	}
	// Refuse a frame that declares an oversized content before decoding it.
	var fh zstd.Header
	if fh.Decode(src) == nil && fh.HasFCS && fh.FrameContentSize > uint64(limit) {
		return nil, tooLarge(limit)
	}
	base := len(dst)
	out, err := d.DecodeAll(src, dst)
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || (err == nil && len(out)-base > limit) {
		return nil, tooLarge(limit)
	}
	return out, err
}

func decompressSnappy(dst, src []byte, limit int) ([]byte, error) {
	if len(src) >= xerialHeaderSize && bytes.Equal(src[:len(xerialMagic)], xerialMagic) {
		return decompressXerial(dst, src[xerialHeaderSize:], limit)
	}
	return appendSnappyBlock(dst, src, limit)
}

// appendSnappyBlock decodes one raw snappy block onto dst, checking the
// length the block declares against limit before allocating.
func appendSnappyBlock(dst, block []byte, limit int) ([]byte, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, tooLarge(limit)
	}
	dst = slices.Grow(dst, n)
	if _, err := s2.Decode(dst[len(dst):len(dst)+n], block); err != nil {
		return nil, err
	}
	return dst[:len(dst)+n], nil
}

var errXerialFraming = errors.New("malformed xerial snappy framing")

// decompressXerial decodes the blocks after a xerial header. A first pass
// sums the sizes the blocks declare, so a bomb is refused before anything
// is allocated and dst grows once.
func decompressXerial(dst, blocks []byte, limit int) ([]byte, error) {
	total := 0
	for rest := blocks; len(rest) > 0; {
		block, next, err := nextXerialBlock(rest)
		if err != nil {
			return nil, err
		}
		n, err := s2.DecodedLen(block)
		if err != nil {
			return nil, err
		}
		if total += n; total > limit {
			return nil, tooLarge(limit)
		}
		rest = next
	}
	dst = slices.Grow(dst, total)
	for rest := blocks; len(rest) > 0; {
		block, next, _ := nextXerialBlock(rest)
		var err error
		if dst, err = appendSnappyBlock(dst, block, limit); err != nil {
			return nil, err
		}
		rest = next
	}
	return dst, nil
}

func nextXerialBlock(b []byte) (block, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errXerialFraming
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, errXerialFraming
	}
	return b[4 : 4+n], b[4+n:], nil
}

// Compress returns src compressed with codec c in the form Kafka's Java
// producer writes (snappy with xerial framing, lz4 as an LZ4 frame), which
// every Kafka client decodes. For CodecNone src itself is returned.
func Compress(c Codec, src []byte) ([]byte, error) {
	switch c {
	case CodecNone:
		return src, nil
	case CodecGzip:
		return compressGzip(src)
	case CodecSnappy:
		return xerial.Encode(nil, src), nil
	case CodecLZ4:
		return compressLZ4(src)
	case CodecZstd:
		e := zstdEncoders.Get().(*zstd.Encoder)
		defer zstdEncoders.Put(e)
		return e.EncodeAll(src, nil), nil
	}
	return nil, formatErrorf(ReasonCodec, "unknown codec %d", int8(c))
}

var gzipEncoders = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func compressGzip(src []byte) ([]byte, error) {
	var out bytes.Buffer
	w := gzipEncoders.Get().(*gzip.Writer)
	defer gzipEncoders.Put(w)
	w.Reset(&out)
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var lz4Encoders = sync.Pool{New: func() any { return lz4.NewWriter(nil) }}

func compressLZ4(src []byte) ([]byte, error) {
	var out bytes.Buffer
	w := lz4Encoders.Get().(*lz4.Writer)
	defer lz4Encoders.Put(w)
	w.Reset(&out)
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// zstd encoders: synchronous, a 1 MiB window (well inside what zstd-jni
// and librdkafka decode by default, and light on memory), and a valid
// frame even for empty input.
var zstdEncoders = sync.Pool{New: func() any {
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<20),
		zstd.WithZeroFrames(true))
	if err != nil {
		panic(fmt.Sprintf("zstd encoder with static options: %v", err))
	}
	return e
}}

// Decompression buffers for ValidateRecords and ForEachRecord. Buffers
// that grew past maxPooledBuffer are dropped so one huge batch does not pin
// memory.
const (
	pooledBufferSize = 64 << 10
	maxPooledBuffer  = 4 << 20
)

var buffers = sync.Pool{New: func() any {
	b := make([]byte, 0, pooledBufferSize)
	return &b
}}

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if b != nil && cap(*b) <= maxPooledBuffer {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}
