package log

import (
	"encoding/binary"
	"fmt"
	"math"
)

// On-disk index entry sizes (Kafka's layouts, big-endian):
//
//	.index      relativeOffset uint32 | position uint32
//	.timeindex  timestamp int64 | relativeOffset uint32
//
// relativeOffset is the offset minus the segment's base offset, which is
// why a segment rolls before an offset no longer fits in 32 bits.
const (
	offsetIndexEntrySize = 8
	timeIndexEntrySize   = 12
)

// offsetIndex maps offsets to byte positions in the segment's .log: entry
// (o, p) says the batch whose base offset is o starts at byte p. It is
// sparse: one entry per index.interval.bytes of log.
type offsetIndex struct {
	*indexFile
	base int64
}

func newOffsetIndex(x *indexFile, base int64) offsetIndex { return offsetIndex{x, base} }

func (ix offsetIndex) encode(offset, position int64) []byte {
	var e [offsetIndexEntrySize]byte
	binary.BigEndian.PutUint32(e[0:], uint32(offset-ix.base))
	binary.BigEndian.PutUint32(e[4:], uint32(position))
	return e[:]
}

func (ix offsetIndex) decode(e []byte) (offset, position int64) {
	return ix.base + int64(binary.BigEndian.Uint32(e[0:])), int64(binary.BigEndian.Uint32(e[4:]))
}

// lookup returns the last entry whose offset is <= target, or (base, 0)
// with found=false if there is none: the position from which a scan finds
// target's batch.
func (ix offsetIndex) lookup(target int64) (offset, position int64, found bool, err error) {
	if target < ix.base {
		return ix.base, 0, false, nil
	}
	rel := uint64(target - ix.base)
	if rel > math.MaxUint32 {
		rel = math.MaxUint32
	}
	var out [offsetIndexEntrySize]byte
	_, err = ix.lastWhere(func(e []byte) bool { return uint64(binary.BigEndian.Uint32(e)) <= rel }, out[:], &found)
	if err != nil || !found {
		return ix.base, 0, false, err
	}
	offset, position = ix.decode(out[:])
	return offset, position, true, nil
}

// lookupPosition returns the last entry whose position is at or below
// pos: a batch start (positions grow with offsets, so the entries are sorted by
// position too).
func (ix offsetIndex) lookupPosition(pos int64) (offset, position int64, found bool, err error) {
	if pos < 0 || pos > math.MaxUint32 {
		pos = min(max(pos, 0), math.MaxUint32)
	}
	var out [offsetIndexEntrySize]byte
	_, err = ix.lastWhere(func(e []byte) bool { return int64(binary.BigEndian.Uint32(e[4:])) <= pos }, out[:], &found)
	if err != nil || !found {
		return ix.base, 0, false, err
	}
	offset, position = ix.decode(out[:])
	return offset, position, true, nil
}

// last returns the last entry, if any.
func (ix offsetIndex) last() (offset, position int64, ok bool, err error) {
	var out [offsetIndexEntrySize]byte
	ok, err = ix.lastEntry(out[:])
	if !ok || err != nil {
		return ix.base, 0, false, err
	}
	offset, position = ix.decode(out[:])
	return offset, position, true, nil
}

func (ix offsetIndex) add(offset, position int64) error {
	return ix.appendEntry(ix.encode(offset, position))
}

// timeIndex maps timestamps to offsets: entry (t, o) says the largest
// timestamp in the segment up to and including the batch at offset o is t.
// Timestamps strictly increase from entry to entry.
type timeIndex struct {
	*indexFile
	base int64
}

func newTimeIndex(x *indexFile, base int64) timeIndex { return timeIndex{x, base} }

func (ix timeIndex) encode(timestamp, offset int64) []byte {
	var e [timeIndexEntrySize]byte
	binary.BigEndian.PutUint64(e[0:], uint64(timestamp))
	binary.BigEndian.PutUint32(e[8:], uint32(offset-ix.base))
	return e[:]
}

func (ix timeIndex) decode(e []byte) (timestamp, offset int64) {
	return int64(binary.BigEndian.Uint64(e[0:])), ix.base + int64(binary.BigEndian.Uint32(e[8:]))
}

// lookupBefore returns the last entry whose timestamp is < ts. Every record
// up to that entry's batch has a timestamp below ts, so a search for the
// first record at or after ts can start there. found is false if no entry
// qualifies (search from the start of the segment).
func (ix timeIndex) lookupBefore(ts int64) (timestamp, offset int64, found bool, err error) {
	var out [timeIndexEntrySize]byte
	_, err = ix.lastWhere(func(e []byte) bool { return int64(binary.BigEndian.Uint64(e)) < ts }, out[:], &found)
	if err != nil || !found {
		return -1, ix.base, false, err
	}
	timestamp, offset = ix.decode(out[:])
	return timestamp, offset, true, nil
}

// last returns the last entry: the segment's largest timestamp once the
// segment is inactive (rolling appends a final entry).
func (ix timeIndex) last() (timestamp, offset int64, ok bool, err error) {
	var out [timeIndexEntrySize]byte
	ok, err = ix.lastEntry(out[:])
	if !ok || err != nil {
		return -1, ix.base, false, err
	}
	timestamp, offset = ix.decode(out[:])
	return timestamp, offset, true, nil
}

func (ix timeIndex) add(timestamp, offset int64) error {
	return ix.appendEntry(ix.encode(timestamp, offset))
}

// checkOffsetIndex returns why an offset index's entries cannot be trusted
// for a segment of logSize bytes holding offsets in [base, endOffset), or
// "": offsets and positions must strictly increase and stay inside.
func checkOffsetIndex(entries []byte, base, endOffset, logSize int64) string {
	ix := offsetIndex{base: base}
	prevOff, prevPos := int64(-1), int64(-1)
	for i := 0; i+offsetIndexEntrySize <= len(entries); i += offsetIndexEntrySize {
		off, pos := ix.decode(entries[i:])
		switch {
		case off <= prevOff || pos <= prevPos:
			return fmt.Sprintf("offset index entry %d (%d, %d) does not increase", i/offsetIndexEntrySize, off, pos)
		case off >= endOffset || pos >= logSize:
			return fmt.Sprintf("offset index entry %d (%d, %d) is beyond the segment (end offset %d, %d bytes)", i/offsetIndexEntrySize, off, pos, endOffset, logSize)
		}
		prevOff, prevPos = off, pos
	}
	return ""
}

// checkTimeIndex returns why a time index's entries cannot be trusted, or
// "": timestamps must strictly increase, offsets must not decrease, and
// offsets must lie in [base, endOffset).
func checkTimeIndex(entries []byte, base, endOffset int64) string {
	ix := timeIndex{base: base}
	prevTs, prevOff := int64(math.MinInt64), base
	for i := 0; i+timeIndexEntrySize <= len(entries); i += timeIndexEntrySize {
		ts, off := ix.decode(entries[i:])
		switch {
		case ts <= prevTs || off < prevOff:
			return fmt.Sprintf("time index entry %d (%d, %d) does not increase", i/timeIndexEntrySize, ts, off)
		case off >= endOffset:
			return fmt.Sprintf("time index entry %d offset %d is beyond the segment (end offset %d)", i/timeIndexEntrySize, off, endOffset)
		}
		prevTs, prevOff = ts, off
	}
	return ""
}
