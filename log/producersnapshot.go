package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/skiffhq/skiff/log/vfs"
)

// Producer-state snapshot file, "<offset>.snapshot": the state of every
// producer after all batches below offset. Big-endian:
//
//	version int16 (=1) | crc uint32 (CRC32C of everything after it) |
//	count int32 | count × producer
//	producer: producerId int64 | epoch int16 | batchCount int8 |
//	          batchCount × (firstSeq int32 | lastSeq int32 |
//	                        firstOffset int64 | lastOffset int64 | timestamp int64)
//
// Unlike Kafka's snapshot, which keeps only each producer's last batch,
// all retained batches are stored, so a retry of any of the last five
// batches is still recognised as a duplicate after a restart.
const (
	snapshotVersion     = 1
	snapshotHeaderSize  = 2 + 4 + 4
	snapshotEntryHeader = 8 + 2 + 1
	snapshotBatchSize   = 4 + 4 + 8 + 8 + 8
)

var snapshotCRCTable = crc32.MakeTable(crc32.Castagnoli)

// ErrSnapshotFormat is wrapped by every snapshot decoding error.
var ErrSnapshotFormat = errors.New("malformed producer snapshot")

// EncodeProducerSnapshot encodes entries (sorted by producer id for stable bytes).
func EncodeProducerSnapshot(entries []ProducerEntry) []byte {
	size := snapshotHeaderSize
	for _, e := range entries {
		size += snapshotEntryHeader + len(e.Batches)*snapshotBatchSize
	}
	b := make([]byte, 0, size)
	b = binary.BigEndian.AppendUint16(b, snapshotVersion)
	b = binary.BigEndian.AppendUint32(b, 0) // crc, filled below
	b = binary.BigEndian.AppendUint32(b, uint32(len(entries)))
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, uint64(e.ProducerID))
		b = binary.BigEndian.AppendUint16(b, uint16(e.Epoch))
		b = append(b, byte(len(e.Batches)))
		for _, pb := range e.Batches {
			b = binary.BigEndian.AppendUint32(b, uint32(pb.FirstSeq))
			b = binary.BigEndian.AppendUint32(b, uint32(pb.LastSeq))
			b = binary.BigEndian.AppendUint64(b, uint64(pb.FirstOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(pb.LastOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(pb.Timestamp))
		}
	}
	binary.BigEndian.PutUint32(b[2:], crc32.Checksum(b[6:], snapshotCRCTable))
	return b
}

// DecodeProducerSnapshot decodes a snapshot, checking its CRC and shape.
func DecodeProducerSnapshot(b []byte) ([]ProducerEntry, error) {
	if len(b) < snapshotHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrSnapshotFormat, len(b))
	}
	if v := binary.BigEndian.Uint16(b); v != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d", ErrSnapshotFormat, v)
	}
	if want, got := binary.BigEndian.Uint32(b[2:]), crc32.Checksum(b[6:], snapshotCRCTable); want != got {
		return nil, fmt.Errorf("%w: crc %08x, computed %08x", ErrSnapshotFormat, want, got)
	}
	count := int(binary.BigEndian.Uint32(b[6:]))
	p := snapshotHeaderSize
	if count < 0 || count > (len(b)-p)/snapshotEntryHeader {
		return nil, fmt.Errorf("%w: %d producers in %d bytes", ErrSnapshotFormat, count, len(b))
	}
	entries := make([]ProducerEntry, 0, count)
	for range count {
		e, next, err := decodeSnapshotEntry(b, p)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
		p = next
	}
	if p != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrSnapshotFormat, len(b)-p)
	}
	return entries, nil
}

func decodeSnapshotEntry(b []byte, p int) (ProducerEntry, int, error) {
	if len(b)-p < snapshotEntryHeader {
		return ProducerEntry{}, p, fmt.Errorf("%w: truncated producer at byte %d", ErrSnapshotFormat, p)
	}
	e := ProducerEntry{
		ProducerID: int64(binary.BigEndian.Uint64(b[p:])),
		Epoch:      int16(binary.BigEndian.Uint16(b[p+8:])),
	}
	n := int(b[p+10])
	p += snapshotEntryHeader
	if n < 1 || n > ProducerBatchesRetained || len(b)-p < n*snapshotBatchSize || e.ProducerID < 0 {
		return e, p, fmt.Errorf("%w: producer %d with %d batches at byte %d", ErrSnapshotFormat, e.ProducerID, n, p)
	}
	e.Batches = make([]ProducerBatch, n)
	for i := range e.Batches {
		e.Batches[i] = ProducerBatch{
			FirstSeq:    int32(binary.BigEndian.Uint32(b[p:])),
			LastSeq:     int32(binary.BigEndian.Uint32(b[p+4:])),
			FirstOffset: int64(binary.BigEndian.Uint64(b[p+8:])),
			LastOffset:  int64(binary.BigEndian.Uint64(b[p+16:])),
			Timestamp:   int64(binary.BigEndian.Uint64(b[p+24:])),
		}
		p += snapshotBatchSize
	}
	return e, p, nil
}

// snapshotFiles tracks the producer snapshots in a partition directory by
// offset. Guarded by the Log's appendMu.
type snapshotFiles struct {
	fs      vfs.FS
	dir     string
	offsets []int64 // sorted
}

func (sf *snapshotFiles) path(offset int64) string {
	return filepath.Join(sf.dir, offsetFileName(offset, snapshotSuffix))
}

func (sf *snapshotFiles) latest() (int64, bool) {
	if len(sf.offsets) == 0 {
		return -1, false
	}
	return sf.offsets[len(sf.offsets)-1], true
}

// write stores entries as the snapshot at offset, replacing any there.
// With sync it is fsynced; otherwise a crash may lose it, and the CRC
// catches a torn one.
func (sf *snapshotFiles) write(offset int64, entries []ProducerEntry, sync bool) error {
	data := EncodeProducerSnapshot(entries)
	p := sf.path(offset)
	var err error
	if sync {
		err = vfs.WriteFileAtomic(sf.fs, p, data, 0o644)
	} else {
		err = writeFileNoSync(sf.fs, p, data)
	}
	if err != nil {
		return err
	}
	if i, found := slices.BinarySearch(sf.offsets, offset); !found {
		sf.offsets = slices.Insert(sf.offsets, i, offset)
	}
	return nil
}

func writeFileNoSync(fsys vfs.FS, path string, data []byte) error {
	tmp := path + tmpSuffix
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, path)
	}
	if err != nil {
		_ = fsys.Remove(tmp)
	}
	return err
}

func (sf *snapshotFiles) read(offset int64) ([]ProducerEntry, error) {
	data, err := vfs.ReadFile(sf.fs, sf.path(offset))
	if err != nil {
		return nil, err
	}
	return DecodeProducerSnapshot(data)
}

// removeIf deletes the snapshots whose offsets match.
func (sf *snapshotFiles) removeIf(match func(offset int64) bool) error {
	var errs []error
	kept := sf.offsets[:0]
	for _, off := range sf.offsets {
		if !match(off) {
			kept = append(kept, off)
			continue
		}
		if err := sf.fs.Remove(sf.path(off)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	sf.offsets = kept
	return errors.Join(errs...)
}
