package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// DefaultMaxFrameSize bounds one stream frame. Writers keep frames far
// smaller (a few thousand records); the bound only stops a corrupt length
// from making a reader allocate without limit.
const DefaultMaxFrameSize = 64 << 20

// Writer writes record lists as checksummed frames (see the package doc).
// It does not buffer: wrap w in a bufio.Writer for many small frames.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer that writes frames to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes records as one frame.
func (w *Writer) Write(records []Record) error {
	payload := AppendEntry(w.buf[:0], records)
	var header [binary.MaxVarintLen64 + 4]byte
	n := binary.PutUvarint(header[:], uint64(len(payload)))
	binary.BigEndian.PutUint32(header[n:], crc32.Checksum(payload, castagnoli))
	if _, err := w.w.Write(header[:n+4]); err != nil {
		return fmt.Errorf("write frame header: %w", err)
	}
	if _, err := w.w.Write(payload); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	w.buf = payload
	return nil
}

// Reader reads frames written by Writer.
type Reader struct {
	r        *bufio.Reader
	maxFrame int
	offset   int // stream offset of the next frame, for errors
	buf      []byte
}

// NewReader returns a Reader over r that rejects frames longer than
// maxFrame bytes (DefaultMaxFrameSize if maxFrame <= 0).
func NewReader(r io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	return &Reader{r: bufio.NewReader(r), maxFrame: maxFrame}
}

// Next returns the records of the next frame, io.EOF at a clean end of the
// stream, io.ErrUnexpectedEOF (wrapped) if the stream ends inside a frame,
// or a *FormatError for a corrupt frame.
func (r *Reader) Next() ([]Record, error) {
	size, err := r.readLength()
	if err != nil {
		return nil, err
	}
	if size > uint64(r.maxFrame) {
		return nil, &FormatError{Offset: r.offset, Reason: fmt.Sprintf("frame length %d exceeds limit %d", size, r.maxFrame)}
	}
	var crc [4]byte
	if _, err := io.ReadFull(r.r, crc[:]); err != nil {
		return nil, r.frameError("frame checksum", err)
	}
	// Grow the buffer in steps as bytes actually arrive, so a length that
	// lies about a short stream costs no more than the stream itself.
	r.buf = r.buf[:0]
	for remaining := int(size); remaining > 0; {
		chunk := min(remaining, 1<<20)
		start := len(r.buf)
		r.buf = append(r.buf, make([]byte, chunk)...)
		if _, err := io.ReadFull(r.r, r.buf[start:]); err != nil {
			return nil, r.frameError("frame payload", err)
		}
		remaining -= chunk
	}
	if got, want := crc32.Checksum(r.buf, castagnoli), binary.BigEndian.Uint32(crc[:]); got != want {
		return nil, &FormatError{Offset: r.offset, Reason: fmt.Sprintf("frame checksum mismatch: stored %08x, computed %08x", want, got)}
	}
	records, err := Decode(r.buf)
	if err != nil {
		return nil, fmt.Errorf("frame at byte %d: %w", r.offset, err)
	}
	r.offset += uvarintLen(size) + 4 + int(size)
	return records, nil
}

// readLength reads a frame's uvarint length: io.EOF before its first byte
// is the clean end of the stream.
func (r *Reader) readLength() (uint64, error) {
	var v uint64
	for i := 0; i < binary.MaxVarintLen64; i++ {
		c, err := r.r.ReadByte()
		if err != nil {
			if err == io.EOF && i == 0 {
				return 0, io.EOF
			}
			return 0, r.frameError("frame length", err)
		}
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, &FormatError{Offset: r.offset, Reason: "frame length overflows 64 bits"}
}

func (r *Reader) frameError(what string, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read %s at byte %d: %w", what, r.offset, err)
}

func uvarintLen(v uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], v)
}
