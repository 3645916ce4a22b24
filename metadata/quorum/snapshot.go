package quorum

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

const (
	snapshotMagic   = "SKIFFSNP"
	snapshotVersion = 1
	// snapshotChunk is how many records go in one frame: large enough to
	// amortise framing, small enough that neither side holds much at once.
	snapshotChunk = 1024
	// maxClusterIDLength bounds the header's cluster id (a 22-char uuid).
	maxClusterIDLength = 256
)

// ErrSnapshotFormat marks a snapshot that is not one this package wrote.
var ErrSnapshotFormat = errors.New("not a metadata snapshot")

// writeSnapshot streams img to w (see the package doc for the format).
func writeSnapshot(w io.Writer, img *image.Image) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	header := []byte(snapshotMagic)
	header = append(header, snapshotVersion)
	header = binary.AppendUvarint(header, uint64(img.Offset()))
	header = binary.AppendUvarint(header, img.Term())
	header = binary.AppendUvarint(header, uint64(len(img.ClusterID())))
	header = append(header, img.ClusterID()...)
	if _, err := bw.Write(header); err != nil {
		return err
	}
	rw := record.NewWriter(bw)
	chunk := make([]record.Record, 0, snapshotChunk)
	err := img.EachRecord(func(r record.Record) error {
		chunk = append(chunk, r)
		if len(chunk) < snapshotChunk {
			return nil
		}
		err := rw.Write(chunk)
		chunk = chunk[:0]
		return err
	})
	if err != nil {
		return err
	}
	if len(chunk) > 0 {
		if err := rw.Write(chunk); err != nil {
			return err
		}
	}
	if err := rw.Write(nil); err != nil { // end marker
		return err
	}
	return bw.Flush()
}

// readSnapshot rebuilds the image a snapshot holds, refusing one from
// another cluster.
func readSnapshot(r io.Reader, clusterID string) (*image.Image, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	offset, term, snapCluster, err := readSnapshotHeader(br)
	if err != nil {
		return nil, err
	}
	if snapCluster != clusterID {
		return nil, fmt.Errorf("snapshot belongs to cluster %q, this node to %q", snapCluster, clusterID)
	}
	b := image.NewBuilder(clusterID)
	rr := record.NewReader(br, 0)
	for {
		recs, err := rr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: missing end marker (truncated?)", ErrSnapshotFormat)
		}
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			break
		}
		if err := b.Add(recs...); err != nil {
			return nil, fmt.Errorf("rebuild image: %w", err)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("%w: bytes after end marker", ErrSnapshotFormat)
	}
	return b.Build(offset, term), nil
}

func readSnapshotHeader(br *bufio.Reader) (offset int64, term uint64, clusterID string, err error) {
	magic := make([]byte, len(snapshotMagic)+1)
	if _, err := io.ReadFull(br, magic); err != nil {
		return 0, 0, "", fmt.Errorf("%w: short header: %v", ErrSnapshotFormat, err)
	}
	if string(magic[:len(snapshotMagic)]) != snapshotMagic || magic[len(snapshotMagic)] != snapshotVersion {
		return 0, 0, "", fmt.Errorf("%w: bad magic or version %q", ErrSnapshotFormat, magic)
	}
	off, err1 := binary.ReadUvarint(br)
	term, err2 := binary.ReadUvarint(br)
	n, err3 := binary.ReadUvarint(br)
	if err := errors.Join(err1, err2, err3); err != nil || off > 1<<62 || n > maxClusterIDLength {
		return 0, 0, "", fmt.Errorf("%w: bad header fields: %v", ErrSnapshotFormat, err)
	}
	id := make([]byte, n)
	if _, err := io.ReadFull(br, id); err != nil {
		return 0, 0, "", fmt.Errorf("%w: short cluster id: %v", ErrSnapshotFormat, err)
	}
	return int64(off), term, string(id), nil
}
