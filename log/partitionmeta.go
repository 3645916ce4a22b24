package log

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/skiffhq/skiff/log/vfs"
)

// partition.metadata is Kafka's per-partition file naming the topic id the
// directory belongs to, so a topic deleted and re-created under the same
// name never adopts the old topic's data:
//
//	version: 0
//	topic_id: <22-character base64url topic id>

// ErrTopicIDMismatch: a partition directory belongs to another topic with
// the same name (deleted and re-created).
var ErrTopicIDMismatch = errors.New("partition directory belongs to another topic id")

// ErrPartitionMetadataFormat is wrapped by partition.metadata parse errors.
var ErrPartitionMetadataFormat = errors.New("malformed partition.metadata")

// TopicIDString renders a topic id as Kafka does: unpadded base64url.
func TopicIDString(id [16]byte) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// ParsePartitionMetadata parses partition.metadata contents.
func ParsePartitionMetadata(data []byte) ([16]byte, error) {
	var id [16]byte
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) != 2 {
		return id, fmt.Errorf("%w: %d lines, want 2", ErrPartitionMetadataFormat, len(lines))
	}
	version, ok := strings.CutPrefix(lines[0], "version: ")
	if !ok || strings.TrimSpace(version) != "0" {
		return id, fmt.Errorf("%w: unsupported version line %q", ErrPartitionMetadataFormat, lines[0])
	}
	enc, ok := strings.CutPrefix(lines[1], "topic_id: ")
	if !ok {
		return id, fmt.Errorf("%w: bad topic id line %q", ErrPartitionMetadataFormat, lines[1])
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil || len(raw) != len(id) {
		return id, fmt.Errorf("%w: bad topic id %q", ErrPartitionMetadataFormat, enc)
	}
	copy(id[:], raw)
	return id, nil
}

// FormatPartitionMetadata renders partition.metadata contents.
func FormatPartitionMetadata(id [16]byte) []byte {
	return []byte("version: 0\ntopic_id: " + TopicIDString(id) + "\n")
}

// readPartitionMetadata returns the directory's topic id; found is false
// if the file does not exist.
func readPartitionMetadata(fsys vfs.FS, dir string) (id [16]byte, found bool, err error) {
	data, err := vfs.ReadFile(fsys, filepath.Join(dir, partitionMetaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return id, false, nil
	}
	if err != nil {
		return id, false, err
	}
	id, err = ParsePartitionMetadata(data)
	return id, true, err
}

// writePartitionMetadata writes the file with a rename but no fsync, as
// Kafka flushes it asynchronously: creating thousands of partitions must
// not cost thousands of fsyncs. The log's first flush syncs the directory;
// a file lost in a crash before that is simply written again.
func writePartitionMetadata(fsys vfs.FS, dir string, id [16]byte) error {
	return writeFileNoSync(fsys, filepath.Join(dir, partitionMetaFile), FormatPartitionMetadata(id))
}
