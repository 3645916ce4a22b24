package log

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"sync"

	"github.com/skiffhq/skiff/log/vfs"
)

// EpochEntry says that leader epoch Epoch wrote its first batch at
// StartOffset.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

// epochCache is Kafka's leader-epoch cache: (epoch, start offset) pairs,
// both strictly increasing, persisted to leader-epoch-checkpoint whenever
// they change. It answers OffsetForLeaderEpoch, which is how a follower
// finds where its log diverged from the leader's.
type epochCache struct {
	fs   vfs.FS
	path string
	// ensureDir creates the partition directory if it does not exist yet
	// (nil in tests that build a cache alone).
	ensureDir func() error

	mu      sync.RWMutex // guards entries; appends write, lookups read
	entries []EpochEntry
}

func newEpochCache(fsys vfs.FS, path string, entries []EpochEntry) *epochCache {
	return &epochCache{fs: fsys, path: path, entries: entries}
}

// loadEpochEntries reads leader-epoch-checkpoint. A missing file is an
// empty cache; a malformed one is an error (the caller rebuilds the cache
// from the segments).
func loadEpochEntries(fsys vfs.FS, path string) ([]EpochEntry, bool, error) {
	data, err := vfs.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	entries, err := ParseEpochCheckpoint(data)
	return entries, true, err
}

// ParseEpochCheckpoint parses leader-epoch-checkpoint contents; entries must
// strictly increase in both epoch and start offset.
func ParseEpochCheckpoint(data []byte) ([]EpochEntry, error) {
	lines, err := parseCheckpoint(data, 2)
	if err != nil {
		return nil, err
	}
	entries := make([]EpochEntry, 0, len(lines))
	for _, l := range lines {
		epoch, eerr := strconv.ParseInt(l[0], 10, 32)
		start, serr := strconv.ParseInt(l[1], 10, 64)
		if eerr != nil || serr != nil || epoch < 0 || start < 0 {
			return nil, fmt.Errorf("%w: bad epoch entry %q %q", ErrCheckpointFormat, l[0], l[1])
		}
		e := EpochEntry{Epoch: int32(epoch), StartOffset: start}
		if n := len(entries); n > 0 && (e.Epoch <= entries[n-1].Epoch || e.StartOffset <= entries[n-1].StartOffset) {
			return nil, fmt.Errorf("%w: epoch entry %v does not follow %v", ErrCheckpointFormat, e, entries[n-1])
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// FormatEpochCheckpoint renders entries in leader-epoch-checkpoint format.
func FormatEpochCheckpoint(entries []EpochEntry) []byte {
	lines := make([][]string, len(entries))
	for i, e := range entries {
		lines[i] = []string{strconv.Itoa(int(e.Epoch)), strconv.FormatInt(e.StartOffset, 10)}
	}
	return formatCheckpoint(lines)
}

func (c *epochCache) write() error {
	if c.ensureDir != nil {
		if err := c.ensureDir(); err != nil {
			return err
		}
	}
	c.mu.RLock()
	data := FormatEpochCheckpoint(c.entries)
	c.mu.RUnlock()
	return vfs.WriteFileAtomic(c.fs, c.path, data, 0o644)
}

// snapshot returns a copy of the entries.
func (c *epochCache) snapshot() []EpochEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]EpochEntry(nil), c.entries...)
}

// assign records that epoch starts at start, if that is news: a new
// epoch, or an earlier start for the latest one. Entries that conflict
// (epoch or start offset not below the new one) are dropped first, as
// Kafka does. Negative epochs (batches written without one) are ignored.
// It reports whether the cache changed and must be written.
func (c *epochCache) assign(epoch int32, start int64) bool {
	if epoch < 0 || start < 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.entries); n > 0 {
		last := c.entries[n-1]
		if last.Epoch == epoch && last.StartOffset <= start {
			return false
		}
	}
	keep := len(c.entries)
	for keep > 0 && (c.entries[keep-1].Epoch >= epoch || c.entries[keep-1].StartOffset >= start) {
		keep--
	}
	c.entries = append(c.entries[:keep], EpochEntry{Epoch: epoch, StartOffset: start})
	return true
}

// latest returns the newest entry.
func (c *epochCache) latest() (EpochEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.entries) == 0 {
		return EpochEntry{}, false
	}
	return c.entries[len(c.entries)-1], true
}

// endOffsetFor answers OffsetForLeaderEpoch with Kafka's rules: for the
// latest epoch, the log end; for an older known epoch, the start of the
// next epoch; for an epoch between known ones, the largest known epoch
// below it and the start of the next; for an epoch older than all known,
// that epoch with the first known start offset. ok is false when the answer
// is Kafka's UNDEFINED_EPOCH/UNDEFINED_EPOCH_OFFSET (-1, -1).
func (c *epochCache) endOffsetFor(epoch int32, logEnd int64) (int32, int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := len(c.entries)
	if epoch < 0 || n == 0 {
		return -1, -1, false
	}
	if c.entries[n-1].Epoch == epoch {
		return epoch, logEnd, true
	}
	// higher is the first entry with an epoch above the requested one.
	higher := sort.Search(n, func(i int) bool { return c.entries[i].Epoch > epoch })
	if higher == n {
		return -1, -1, false
	}
	if higher == 0 {
		return epoch, c.entries[0].StartOffset, true
	}
	return c.entries[higher-1].Epoch, c.entries[higher].StartOffset, true
}

// truncateFromEnd drops entries starting at or after end (the log was
// truncated to end). It reports whether anything changed.
func (c *epochCache) truncateFromEnd(end int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := len(c.entries)
	for keep > 0 && c.entries[keep-1].StartOffset >= end {
		keep--
	}
	changed := keep != len(c.entries)
	c.entries = c.entries[:keep]
	return changed
}

// truncateFromStart forgets entries wholly before start (the log start
// moved): the last entry at or below start survives with its start moved
// up to start. It reports whether anything changed.
func (c *epochCache) truncateFromStart(start int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	drop := 0
	for drop < len(c.entries) && c.entries[drop].StartOffset <= start {
		drop++
	}
	if drop == 0 {
		return false
	}
	kept := c.entries[drop-1]
	if drop == 1 && kept.StartOffset == start {
		return false
	}
	kept.StartOffset = start
	c.entries = append([]EpochEntry{kept}, c.entries[drop:]...)
	return true
}

// reset replaces every entry (a rebuild, or a log truncated fully).
func (c *epochCache) reset(entries []EpochEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = entries
}
