package log

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// File name suffixes in a partition directory (Kafka's).
const (
	logSuffix         = ".log"
	indexSuffix       = ".index"
	timeIndexSuffix   = ".timeindex"
	snapshotSuffix    = ".snapshot"
	deletedSuffix     = ".deleted"
	cleanedSuffix     = ".cleaned"
	swapSuffix        = ".swap"
	tmpSuffix         = ".tmp"
	deleteDirSuffix   = "-delete"
	epochCheckpoint   = "leader-epoch-checkpoint"
	partitionMetaFile = "partition.metadata"
)

// offsetFileName is Kafka's name for a file keyed by offset: the offset in
// 20 zero-padded digits, then the suffix.
func offsetFileName(offset int64, suffix string) string {
	return fmt.Sprintf("%020d%s", offset, suffix)
}

// parseOffsetFileName returns the offset in a name made by offsetFileName
// with the given suffix.
func parseOffsetFileName(name, suffix string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, suffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	off, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || off < 0 {
		return 0, false
	}
	return off, true
}

func segmentPath(dir string, base int64, suffix string) string {
	return filepath.Join(dir, offsetFileName(base, suffix))
}

// PartitionDirName is Kafka's directory name for a partition: "<topic>-<partition>".
func PartitionDirName(topic string, partition int32) string {
	return topic + "-" + strconv.FormatInt(int64(partition), 10)
}

// ParsePartitionDirName splits "<topic>-<partition>" at the last '-', as
// topic names may themselves contain '-'.
func ParsePartitionDirName(name string) (topic string, partition int32, ok bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return "", 0, false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 || name[i+1] == '+' {
		return "", 0, false
	}
	return name[:i], int32(p), true
}
