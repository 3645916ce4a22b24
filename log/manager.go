package log

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/skiffhq/skiff/log/vfs"
)

// ManagerConfig configures the log-dir manager. Durations carry Kafka's
// broker config names.
type ManagerConfig struct {
	// Dirs are the log directories (log.dirs).
	Dirs []string
	// FS defaults to the operating system's filesystem.
	FS vfs.FS
	// Now defaults to time.Now.
	Now func() time.Time
	// RetentionCheckInterval is log.retention.check.interval.ms.
	RetentionCheckInterval time.Duration
	// FlushCheckInterval is how often flush.ms is checked and rolled
	// segments are made durable (log.flush.scheduler.interval.ms).
	FlushCheckInterval time.Duration
	// CheckpointInterval is log.flush.offset.checkpoint.interval.ms and
	// log.flush.start.offset.checkpoint.interval.ms: how often recovery
	// points and log start offsets are written.
	CheckpointInterval time.Duration
	// HighWatermarkCheckpointInterval is
	// replica.high.watermark.checkpoint.interval.ms.
	HighWatermarkCheckpointInterval time.Duration
	// ProducerIDExpiration is producer.id.expiration.ms; it is checked every
	// ProducerIDExpirationCheckInterval (producer.id.expiration.check.interval.ms).
	ProducerIDExpiration              time.Duration
	ProducerIDExpirationCheckInterval time.Duration
	// FileDeleteDelay is how long a removed partition's directory is kept
	// (renamed *-delete) before it is deleted (file.delete.delay.ms).
	FileDeleteDelay time.Duration
	// MaxOpenSegmentFiles bounds the segment files open at once across all
	// logs; idle ones are closed least recently used first.
	MaxOpenSegmentFiles int
	// IdleRelease is how long a partition may go without appends before
	// its active segment's index mappings and file are released (checked
	// with the flush). It bounds mappings by the partitions written
	// recently rather than all partitions ever written (vm.max_map_count).
	IdleRelease time.Duration
}

// DefaultManagerConfig returns Kafka's defaults.
func DefaultManagerConfig() ManagerConfig {
	return ManagerConfig{
		RetentionCheckInterval:            300 * time.Second,
		FlushCheckInterval:                time.Second,
		CheckpointInterval:                60 * time.Second,
		HighWatermarkCheckpointInterval:   5 * time.Second,
		ProducerIDExpiration:              24 * time.Hour,
		ProducerIDExpirationCheckInterval: 10 * time.Minute,
		FileDeleteDelay:                   60 * time.Second,
		MaxOpenSegmentFiles:               4096,
		IdleRelease:                       10 * time.Minute,
	}
}

// Validate reports the first unusable value.
func (c ManagerConfig) Validate() error {
	var errs []error
	if len(c.Dirs) == 0 {
		errs = append(errs, errors.New("log.dirs: at least one directory is required"))
	}
	for name, d := range map[string]time.Duration{
		"log.retention.check.interval.ms":               c.RetentionCheckInterval,
		"log.flush.scheduler.interval.ms":               c.FlushCheckInterval,
		"log.flush.offset.checkpoint.interval.ms":       c.CheckpointInterval,
		"replica.high.watermark.checkpoint.interval.ms": c.HighWatermarkCheckpointInterval,
		"producer.id.expiration.check.interval.ms":      c.ProducerIDExpirationCheckInterval,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%v: must be positive", name, d))
		}
	}
	if c.ProducerIDExpiration <= 0 {
		errs = append(errs, fmt.Errorf("producer.id.expiration.ms=%v: must be positive", c.ProducerIDExpiration))
	}
	if c.FileDeleteDelay < 0 {
		errs = append(errs, fmt.Errorf("file.delete.delay.ms=%v: must not be negative", c.FileDeleteDelay))
	}
	if c.IdleRelease <= 0 {
		errs = append(errs, fmt.Errorf("idle release %v: must be positive", c.IdleRelease))
	}
	if c.MaxOpenSegmentFiles < 1 {
		errs = append(errs, fmt.Errorf("max open segment files %d: must be at least 1", c.MaxOpenSegmentFiles))
	}
	return errors.Join(errs...)
}

// PartitionRef is a partition directory found on disk.
type PartitionRef struct {
	Topic     string
	Partition int32
	Dir       string   // the partition directory
	LogDir    string   // the log directory holding it
	TopicID   [16]byte // from partition.metadata; zero if absent
}

// logDir is one of the broker's log directories.
type logDir struct {
	path          string
	cleanShutdown bool // the marker was there at start
	// Checkpoint values read at start, for partitions not opened yet.
	// Guarded by Manager.mu.
	recoveryPoints, highWatermarks, logStartOffsets map[TopicPartition]int64
	// lastWritten remembers each checkpoint file's last contents, so an
	// unchanged checkpoint is not rewritten. Guarded by Manager.checkpointMu.
	lastWritten map[string][]byte
	// partitions counts the partitions placed in this dir (found at start
	// or created since, minus those removed), so placing a new one costs
	// O(dirs), not O(partitions). Guarded by Manager.mu.
	partitions int
}

type managedLog struct {
	log *Log
	dir *logDir
}

type pendingDirDelete struct {
	path string
	due  time.Time
}

// Manager owns the broker's log directories: it finds the partition
// directories on disk at start, opens logs lazily when asked, writes the
// per-dir checkpoints, runs retention and flushes in the background, and
// deletes removed partitions.
type Manager struct {
	cfg    ManagerConfig
	logger zerolog.Logger
	fs     vfs.FS
	now    func() time.Time
	files  *FileCache
	dirs   []*logDir

	mu struct {
		sync.Mutex
		logs       map[TopicPartition]*managedLog
		onDisk     map[TopicPartition]PartitionRef // found at start, not removed since
		opening    map[TopicPartition]chan struct{}
		dirDeletes []pendingDirDelete
		closed     bool
	}
	checkpointMu sync.Mutex // serialises checkpoint writes
}

// metadataDirName is the Raft metadata log's directory inside a log dir;
// it is not a partition.
const metadataDirName = "metadata"

// NewManager opens the log directories: it reads their checkpoints and
// clean-shutdown markers, lists the partition directories in them, and
// removes the markers (so a crash from now on is seen as unclean). No log
// is opened until GetOrCreate asks for it.
func NewManager(cfg ManagerConfig, logger zerolog.Logger) (*Manager, error) {
	if cfg.FS == nil {
		cfg.FS = vfs.OS()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("log manager config: %w", err)
	}
	m := &Manager{
		cfg: cfg, fs: cfg.FS, now: cfg.Now,
		logger: logger.With().Str("component", "log-manager").Logger(),
		files:  NewFileCache(cfg.MaxOpenSegmentFiles),
	}
	m.mu.logs = map[TopicPartition]*managedLog{}
	m.mu.onDisk = map[TopicPartition]PartitionRef{}
	m.mu.opening = map[TopicPartition]chan struct{}{}
	for _, path := range cfg.Dirs {
		d, err := m.openDir(path)
		if err != nil {
			return nil, fmt.Errorf("log dir %s: %w", path, err)
		}
		m.dirs = append(m.dirs, d)
	}
	return m, nil
}

func (m *Manager) openDir(path string) (*logDir, error) {
	if err := m.fs.MkdirAll(path, 0o755); err != nil {
		return nil, storageError("create", err)
	}
	d := &logDir{path: path, lastWritten: map[string][]byte{}}
	marker := filepath.Join(path, CleanShutdownFile)
	_, err := m.fs.Stat(marker)
	d.cleanShutdown = err == nil
	if err := m.readCheckpoints(d); err != nil {
		return nil, err
	}
	if err := m.scanDir(d); err != nil {
		return nil, err
	}
	if d.cleanShutdown {
		if err := m.fs.Remove(marker); err != nil {
			return nil, storageError("remove clean shutdown marker", err)
		}
		if err := m.fs.SyncDir(path); err != nil {
			return nil, storageError("sync", err)
		}
	}
	m.logger.Info().Str("log_dir", path).Bool("clean_shutdown", d.cleanShutdown).Msg("log dir opened")
	return d, nil
}

// readCheckpoints loads the three offset checkpoints. A malformed one is
// treated as absent, and the dir as not cleanly shut down, so every
// partition in it is recovered from scratch.
func (m *Manager) readCheckpoints(d *logDir) error {
	targets := []struct {
		name string
		dst  *map[TopicPartition]int64
	}{
		{RecoveryPointCheckpointFile, &d.recoveryPoints},
		{HighWatermarkCheckpointFile, &d.highWatermarks},
		{LogStartOffsetCheckpointFile, &d.logStartOffsets},
	}
	for _, t := range targets {
		offsets, err := ReadOffsetCheckpoint(m.fs, filepath.Join(d.path, t.name))
		if errors.Is(err, ErrCheckpointFormat) {
			m.logger.Warn().Err(err).Str("log_dir", d.path).Msg("malformed checkpoint; recovering every partition in this dir")
			offsets, d.cleanShutdown = map[TopicPartition]int64{}, false
			if t.name == RecoveryPointCheckpointFile {
				d.recoveryPoints = offsets
			}
		} else if err != nil {
			return storageError("read "+t.name, err)
		}
		*t.dst = offsets
	}
	return nil
}

// scanDir records the partition directories in a log dir and queues
// leftover *-delete directories for deletion.
func (m *Manager) scanDir(d *logDir) error {
	ents, err := m.fs.ReadDir(d.path)
	if err != nil {
		return storageError("list", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || name == metadataDirName {
			continue
		}
		if strings.HasSuffix(name, deleteDirSuffix) {
			m.mu.dirDeletes = append(m.mu.dirDeletes, pendingDirDelete{path: filepath.Join(d.path, name)})
			continue
		}
		topic, partition, ok := ParsePartitionDirName(name)
		if !ok { // also Kafka's "<topic>-<partition>.<id>-future" and "-stray" dirs
			m.logger.Debug().Str("dir", name).Msg("skipping directory that is not a partition")
			continue
		}
		if err := m.addOnDisk(d, topic, partition, filepath.Join(d.path, name)); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) addOnDisk(d *logDir, topic string, partition int32, dir string) error {
	tp := TopicPartition{Topic: topic, Partition: partition}
	if prev, dup := m.mu.onDisk[tp]; dup {
		return fmt.Errorf("partition %s is in two log dirs: %s and %s", tp, prev.Dir, dir)
	}
	id, _, err := readPartitionMetadata(m.fs, dir)
	if err != nil && !errors.Is(err, ErrPartitionMetadataFormat) {
		return storageError("read partition.metadata of "+tp.String(), err)
	}
	m.mu.onDisk[tp] = PartitionRef{Topic: topic, Partition: partition, Dir: dir, LogDir: d.path, TopicID: id}
	d.partitions++
	return nil
}

// Existing lists the partition directories found on disk at start that
// have not been removed since, sorted, so the replication layer can delete
// those the metadata no longer assigns here.
func (m *Manager) Existing() []PartitionRef {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]PartitionRef, 0, len(m.mu.onDisk))
	for _, ref := range m.mu.onDisk {
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}

// Get returns the partition's log if it is open.
func (m *Manager) Get(topic string, partition int32) (*Log, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ml, ok := m.mu.logs[TopicPartition{Topic: topic, Partition: partition}]
	if !ok {
		return nil, false
	}
	return ml.log, true
}

// Logs returns every open log.
func (m *Manager) Logs() []*Log {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Log, 0, len(m.mu.logs))
	for _, ml := range m.mu.logs {
		out = append(out, ml.log)
	}
	return out
}

// Files is the cache bounding open segment files across the Manager's logs.
func (m *Manager) Files() *FileCache { return m.files }

// GetOrCreate returns the partition's log, opening it (with recovery if
// the dir was not shut down cleanly) or creating it. A directory on disk
// whose partition.metadata names another topic id is a stale leftover of a
// deleted topic: it is moved aside for deletion and a fresh log created.
// An open log with another topic id gives ErrTopicIDMismatch (Remove it
// first). A zero topicID matches anything.
func (m *Manager) GetOrCreate(topic string, partition int32, topicID [16]byte, cfg Config) (*Log, error) {
	tp := TopicPartition{Topic: topic, Partition: partition}
	if !validTopicName(topic) || partition < 0 {
		return nil, fmt.Errorf("invalid partition %q", tp)
	}
	for {
		m.mu.Lock()
		if m.mu.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		if ml, ok := m.mu.logs[tp]; ok {
			m.mu.Unlock()
			return ml.log, checkSameTopic(ml.log, topicID)
		}
		if ch, ok := m.mu.opening[tp]; ok {
			m.mu.Unlock()
			<-ch
			continue
		}
		ch := make(chan struct{})
		m.mu.opening[tp] = ch
		ref, onDisk := m.mu.onDisk[tp]
		m.mu.Unlock()

		ml, err := m.openLog(tp, ref, onDisk, topicID, cfg)

		m.mu.Lock()
		delete(m.mu.opening, tp)
		close(ch)
		if err == nil {
			m.mu.logs[tp] = ml
		}
		m.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return ml.log, nil
	}
}

// validTopicName applies Kafka's rule (1 to 249 of [a-zA-Z0-9._-], not
// "." or ".."), which also keeps partition directories inside their log dir.
func validTopicName(topic string) bool {
	if topic == "" || len(topic) > 249 || topic == "." || topic == ".." {
		return false
	}
	for _, c := range topic {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkSameTopic(l *Log, topicID [16]byte) error {
	var zero [16]byte
	if have := l.TopicID(); topicID != zero && have != zero && have != topicID {
		return fmt.Errorf("%w: open log %s has %s, asked for %s", ErrTopicIDMismatch, l.tp, TopicIDString(have), TopicIDString(topicID))
	}
	return nil
}

// openLog opens an existing partition directory or creates a new one in
// the log dir holding the fewest partitions.
func (m *Manager) openLog(tp TopicPartition, ref PartitionRef, onDisk bool, topicID [16]byte, cfg Config) (*managedLog, error) {
	var zero [16]byte
	if onDisk && topicID != zero && ref.TopicID != zero && ref.TopicID != topicID {
		m.logger.Warn().Str("partition", tp.String()).Str("dir_topic_id", TopicIDString(ref.TopicID)).
			Str("topic_id", TopicIDString(topicID)).Msg("stale partition directory of a deleted topic; moving it aside")
		if err := m.moveAside(ref.Dir, tp); err != nil {
			return nil, err
		}
		onDisk = false
	}
	d := m.dirFor(ref, onDisk)
	m.mu.Lock()
	opts := Options{
		Dir: filepath.Join(d.path, tp.String()), Topic: tp.Topic, Partition: tp.Partition, TopicID: topicID,
		Config: cfg, FS: m.fs, Logger: m.logger, Now: m.now, Files: m.files,
		RecoveryPoint: d.recoveryPoints[tp], LogStartOffset: d.logStartOffsets[tp], HighWatermark: d.highWatermarks[tp],
		CleanShutdown: d.cleanShutdown || !onDisk,
	}
	m.mu.Unlock()
	l, err := Open(opts)
	if err != nil {
		return nil, err
	}
	return &managedLog{log: l, dir: d}, nil
}

// dirFor picks the log dir: the one holding the partition, or for a new
// partition the one with the fewest partitions (Kafka's rule).
func (m *Manager) dirFor(ref PartitionRef, onDisk bool) *logDir {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := m.dirs[0]
	for _, d := range m.dirs {
		if onDisk && d.path == ref.LogDir {
			return d
		}
		if d.partitions < best.partitions {
			best = d
		}
	}
	best.partitions++
	return best
}

// Remove stops a partition's log and deletes its directory: it is renamed
// "<topic>-<partition>.<id>-delete" at once and removed after
// file.delete.delay.ms. Removing a partition that is not here is a no-op.
func (m *Manager) Remove(topic string, partition int32) error {
	tp := TopicPartition{Topic: topic, Partition: partition}
	for {
		m.mu.Lock()
		if ch, ok := m.mu.opening[tp]; ok {
			m.mu.Unlock()
			<-ch
			continue
		}
		break
	}
	ml, open := m.mu.logs[tp]
	ref, onDisk := m.mu.onDisk[tp]
	delete(m.mu.logs, tp)
	delete(m.mu.onDisk, tp)
	for _, d := range m.dirs {
		if (open && ml.dir == d) || (!open && onDisk && d.path == ref.LogDir) {
			d.partitions--
		}
		delete(d.recoveryPoints, tp)
		delete(d.highWatermarks, tp)
		delete(d.logStartOffsets, tp)
	}
	m.mu.Unlock()
	dir := ref.Dir
	if open {
		dir = ml.log.dir
		if err := ml.log.closeForRemoval(); err != nil {
			m.logger.Warn().Err(err).Str("partition", tp.String()).Msg("closing removed log")
		}
	} else if !onDisk {
		return nil
	}
	return m.moveAside(dir, tp)
}

// moveAside renames a partition directory for delayed deletion.
func (m *Manager) moveAside(dir string, tp TopicPartition) error {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return fmt.Errorf("remove %s: %w", tp, err)
	}
	target := fmt.Sprintf("%s.%s%s", dir, hex.EncodeToString(id[:]), deleteDirSuffix)
	if err := m.fs.Rename(dir, target); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return storageError("remove "+tp.String(), err)
	}
	if err := m.fs.SyncDir(filepath.Dir(dir)); err != nil {
		return storageError("remove "+tp.String(), err)
	}
	m.mu.Lock()
	m.mu.dirDeletes = append(m.mu.dirDeletes, pendingDirDelete{path: target, due: m.now().Add(m.cfg.FileDeleteDelay)})
	m.mu.Unlock()
	m.logger.Info().Str("partition", tp.String()).Str("dir", target).Msg("partition directory scheduled for deletion")
	return nil
}

// closeForRemoval closes a log whose directory is about to be deleted:
// nothing is flushed or snapshotted.
func (l *Log) closeForRemoval() error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.segmentsMu.Lock()
	defer l.segmentsMu.Unlock()
	l.closed.Store(true)
	var errs []error
	for _, s := range l.segments {
		errs = append(errs, s.close(false))
	}
	return errors.Join(errs...)
}

// writeMarker creates the clean-shutdown marker durably.
func (m *Manager) writeMarker(d *logDir) error {
	f, err := m.fs.OpenFile(filepath.Join(d.path, CleanShutdownFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return m.fs.SyncDir(d.path)
}
