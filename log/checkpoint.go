package log

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/skiffhq/skiff/log/vfs"
)

// Checkpoint files use Kafka's text format, so Kafka's tools and operators
// read them unchanged:
//
//	0                 version
//	2                 number of entries
//	orders 0 1500     one entry per line, fields separated by one space
//	orders 1 1432
//
// recovery-point-offset-checkpoint, replication-offset-checkpoint and
// log-start-offset-checkpoint hold "topic partition offset" entries;
// leader-epoch-checkpoint holds "epoch startOffset" entries.
const checkpointVersion = 0

// Per-log-dir checkpoint file names (Kafka's).
const (
	RecoveryPointCheckpointFile  = "recovery-point-offset-checkpoint"
	HighWatermarkCheckpointFile  = "replication-offset-checkpoint"
	LogStartOffsetCheckpointFile = "log-start-offset-checkpoint"
	CleanShutdownFile            = ".skiff_cleanshutdown"
)

// ErrCheckpointFormat is wrapped by every checkpoint parse error.
var ErrCheckpointFormat = errors.New("malformed checkpoint file")

// parseCheckpoint splits checkpoint text into its entry lines, each with
// exactly fields space-separated tokens.
func parseCheckpoint(data []byte, fields int) ([][]string, error) {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("%w: %d lines, need a version and a count", ErrCheckpointFormat, len(lines))
	}
	if lines[0] != strconv.Itoa(checkpointVersion) {
		return nil, fmt.Errorf("%w: unsupported version %q", ErrCheckpointFormat, lines[0])
	}
	count, err := strconv.Atoi(lines[1])
	if err != nil || count < 0 {
		return nil, fmt.Errorf("%w: bad entry count %q", ErrCheckpointFormat, lines[1])
	}
	if count != len(lines)-2 {
		return nil, fmt.Errorf("%w: expected %d entries, found %d", ErrCheckpointFormat, count, len(lines)-2)
	}
	entries := make([][]string, 0, count)
	for i, line := range lines[2:] {
		parts := strings.Split(line, " ")
		if len(parts) != fields {
			return nil, fmt.Errorf("%w: entry %d %q: want %d fields", ErrCheckpointFormat, i, line, fields)
		}
		entries = append(entries, parts)
	}
	return entries, nil
}

func formatCheckpoint(entries [][]string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", checkpointVersion, len(entries))
	for _, e := range entries {
		b.WriteString(strings.Join(e, " "))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TopicPartition names a partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return PartitionDirName(tp.Topic, tp.Partition) }

// ParseOffsetCheckpoint parses a per-log-dir offset checkpoint.
func ParseOffsetCheckpoint(data []byte) (map[TopicPartition]int64, error) {
	entries, err := parseCheckpoint(data, 3)
	if err != nil {
		return nil, err
	}
	out := make(map[TopicPartition]int64, len(entries))
	for _, e := range entries {
		p, perr := strconv.ParseInt(e[1], 10, 32)
		off, oerr := strconv.ParseInt(e[2], 10, 64)
		if e[0] == "" || perr != nil || oerr != nil || p < 0 {
			return nil, fmt.Errorf("%w: bad entry %q", ErrCheckpointFormat, strings.Join(e, " "))
		}
		tp := TopicPartition{Topic: e[0], Partition: int32(p)}
		if _, dup := out[tp]; dup {
			return nil, fmt.Errorf("%w: %s listed twice", ErrCheckpointFormat, tp)
		}
		out[tp] = off
	}
	return out, nil
}

// FormatOffsetCheckpoint renders offsets in checkpoint format, sorted by
// topic and partition so identical contents give identical bytes.
func FormatOffsetCheckpoint(offsets map[TopicPartition]int64) []byte {
	tps := make([]TopicPartition, 0, len(offsets))
	for tp := range offsets {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	entries := make([][]string, len(tps))
	for i, tp := range tps {
		entries[i] = []string{tp.Topic, strconv.Itoa(int(tp.Partition)), strconv.FormatInt(offsets[tp], 10)}
	}
	return formatCheckpoint(entries)
}

// ReadOffsetCheckpoint reads a checkpoint file; a missing file is empty.
func ReadOffsetCheckpoint(fsys vfs.FS, path string) (map[TopicPartition]int64, error) {
	data, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[TopicPartition]int64{}, nil
	}
	if err != nil {
		return nil, err
	}
	out, err := ParseOffsetCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// WriteOffsetCheckpoint replaces a checkpoint file atomically.
func WriteOffsetCheckpoint(fsys vfs.FS, path string, offsets map[TopicPartition]int64) error {
	return vfs.WriteFileAtomic(fsys, path, FormatOffsetCheckpoint(offsets), 0o644)
}
