package log

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func testManagerConfig(dirs ...string) ManagerConfig {
	cfg := DefaultManagerConfig()
	cfg.Dirs = dirs
	cfg.FileDeleteDelay = 0
	return cfg
}

func newTestManager(t *testing.T, cfg ManagerConfig) *Manager {
	t.Helper()
	m, err := NewManager(cfg, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func topicID(b byte) [16]byte { return [16]byte{b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} }

func TestManagerLifecycle(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	cfg := testManagerConfig(dirs...)
	m := newTestManager(t, cfg)
	logs := map[string]*Log{}
	for _, tp := range []TopicPartition{{"orders", 0}, {"orders", 1}, {"my-topic-with-dashes", 12}} {
		l, err := m.GetOrCreate(tp.Topic, tp.Partition, topicID(1), DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		logs[tp.String()] = l
		mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
		l.SetHighWatermark(2)
	}
	// Partitions are spread over the dirs.
	used := map[string]bool{}
	for _, l := range logs {
		used[filepath.Dir(l.Dir())] = true
	}
	if len(used) != 2 {
		t.Fatalf("all partitions in one dir: %v", used)
	}
	if again, err := m.GetOrCreate("orders", 0, topicID(1), DefaultConfig()); err != nil || again != logs["orders-0"] {
		t.Fatalf("second GetOrCreate returned another log: %v", err)
	}
	if _, err := m.GetOrCreate("orders", 0, topicID(2), DefaultConfig()); !errors.Is(err, ErrTopicIDMismatch) {
		t.Fatalf("open log with another topic id: %v", err)
	}
	if got, ok := m.Get("my-topic-with-dashes", 12); !ok || got != logs["my-topic-with-dashes-12"] {
		t.Fatal("Get")
	}
	removedDir := logs["orders-1"].Dir()
	if err := m.Remove("orders", 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Get("orders", 1); ok {
		t.Fatal("removed log still there")
	}
	if _, err := os.Stat(removedDir); !os.IsNotExist(err) {
		t.Fatalf("removed dir still in place: %v", err)
	}
	if pending := m.PendingDirDeletes(); len(pending) != 1 || !strings.HasSuffix(pending[0], "-delete") {
		t.Fatalf("pending deletes %v", pending)
	}
	m.PurgeDeleted()
	if len(m.PendingDirDeletes()) != 0 {
		t.Fatal("delete not purged")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, CleanShutdownFile)); err != nil {
			t.Fatalf("no clean shutdown marker in %s", d)
		}
		rp, err := ReadOffsetCheckpoint(m.fs, filepath.Join(d, RecoveryPointCheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		for tp, off := range rp {
			if off != 2 || tp == (TopicPartition{"orders", 1}) {
				t.Fatalf("recovery point %s=%d", tp, off)
			}
		}
	}

	// Restart: the dirs are found, the marker is honoured and removed.
	cfg.FS = nil
	m2 := newTestManager(t, cfg)
	defer m2.Close()
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, CleanShutdownFile)); !os.IsNotExist(err) {
			t.Fatalf("marker must be removed at start: %v", err)
		}
	}
	existing := m2.Existing()
	if len(existing) != 2 || existing[0].Topic != "my-topic-with-dashes" || existing[0].Partition != 12 || existing[0].TopicID != topicID(1) {
		t.Fatalf("existing %+v", existing)
	}
	l, err := m2.GetOrCreate("orders", 0, topicID(1), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if r := l.Recovery(); !r.CleanShutdown || r.SegmentsRecovered != 0 || l.EndOffset() != 2 || l.HighWatermark() != 2 {
		t.Fatalf("reopened %+v end %d hw %d", r, l.EndOffset(), l.HighWatermark())
	}
}

func TestManagerUncleanRestartRecovers(t *testing.T) {
	dir := t.TempDir()
	m := newTestManager(t, testManagerConfig(dir))
	l, err := m.GetOrCreate("t", 0, topicID(1), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	if err := m.WriteRecoveryPoints(); err != nil {
		t.Fatal(err)
	}
	crashClose(l) // the process dies: no Close, no marker
	m2 := newTestManager(t, testManagerConfig(dir))
	defer m2.Close()
	l2, err := m2.GetOrCreate("t", 0, topicID(1), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if r := l2.Recovery(); r.CleanShutdown || r.SegmentsRecovered != 1 || l2.EndOffset() != 2 {
		t.Fatalf("unclean restart: %+v end %d", r, l2.EndOffset())
	}
}

func TestManagerReplacesStaleDirOfRecreatedTopic(t *testing.T) {
	dir := t.TempDir()
	m := newTestManager(t, testManagerConfig(dir))
	l, _ := m.GetOrCreate("t", 0, topicID(1), DefaultConfig())
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// The topic was deleted and re-created with a new id while this broker
	// was down.
	m2 := newTestManager(t, testManagerConfig(dir))
	defer m2.Close()
	if ex := m2.Existing(); len(ex) != 1 || ex[0].TopicID != topicID(1) {
		t.Fatalf("existing %+v", ex)
	}
	l2, err := m2.GetOrCreate("t", 0, topicID(2), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if l2.EndOffset() != 0 || l2.TopicID() != topicID(2) {
		t.Fatalf("stale data reused: end %d id %v", l2.EndOffset(), l2.TopicID())
	}
	// The new directory appears with the first data, carrying the new id.
	if _, err := m2.fs.Stat(l2.Dir()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("directory of the re-created partition exists before any data: %v", err)
	}
	mustAppend(t, l2, buildBatch(plainBatch(1, 0)), 1)
	id, found, err := readPartitionMetadata(m2.fs, l2.Dir())
	if err != nil || !found || id != topicID(2) {
		t.Fatalf("partition.metadata %v %v %v", id, found, err)
	}
	if len(m2.PendingDirDeletes()) != 1 {
		t.Fatalf("stale dir not scheduled for deletion: %v", m2.PendingDirDeletes())
	}
}

func TestManagerSkipsMetadataAndDeleteDirs(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"metadata", "t-0.0123456789abcdef-delete", "t-1.abc-future", "not-a-partition-x", "t-3"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m := newTestManager(t, testManagerConfig(dir))
	defer m.Close()
	if ex := m.Existing(); len(ex) != 1 || ex[0].Topic != "t" || ex[0].Partition != 3 {
		t.Fatalf("existing %+v", ex)
	}
	m.PurgeDeleted()
	if _, err := os.Stat(filepath.Join(dir, "t-0.0123456789abcdef-delete")); !os.IsNotExist(err) {
		t.Fatal("leftover -delete dir not removed")
	}
	if _, err := os.Stat(filepath.Join(dir, "metadata")); err != nil {
		t.Fatal("metadata dir touched")
	}
}

func TestManagerCheckpointsKeepUnopenedPartitions(t *testing.T) {
	dir := t.TempDir()
	m := newTestManager(t, testManagerConfig(dir))
	for p := range int32(3) {
		l, _ := m.GetOrCreate("t", p, topicID(1), DefaultConfig())
		mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
		l.SetHighWatermark(2)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := newTestManager(t, testManagerConfig(dir))
	defer m2.Close()
	l, _ := m2.GetOrCreate("t", 1, topicID(1), DefaultConfig())
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	l.SetHighWatermark(4)
	if err := m2.WriteHighWatermarks(); err != nil {
		t.Fatal(err)
	}
	hw, err := ReadOffsetCheckpoint(m2.fs, filepath.Join(dir, HighWatermarkCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	want := map[TopicPartition]int64{{"t", 0}: 2, {"t", 1}: 4, {"t", 2}: 2}
	if len(hw) != 3 || hw[TopicPartition{"t", 0}] != 2 || hw[TopicPartition{"t", 1}] != 4 || hw[TopicPartition{"t", 2}] != 2 {
		t.Fatalf("hw checkpoint %v, want %v", hw, want)
	}
}

func TestManagerConcurrentGetOrCreate(t *testing.T) {
	m := newTestManager(t, testManagerConfig(t.TempDir()))
	defer m.Close()
	var wg sync.WaitGroup
	got := make([]*Log, 8)
	for i := range got {
		wg.Go(func() {
			l, err := m.GetOrCreate("t", 0, topicID(1), DefaultConfig())
			if err != nil {
				t.Error(err)
			}
			got[i] = l
		})
	}
	wg.Wait()
	for _, l := range got {
		if l != got[0] {
			t.Fatal("concurrent GetOrCreate opened the log twice")
		}
	}
}

func TestManagerRunStopsWithContext(t *testing.T) {
	cfg := testManagerConfig(t.TempDir())
	cfg.FlushCheckInterval = time.Millisecond
	cfg.HighWatermarkCheckpointInterval = time.Millisecond
	m := newTestManager(t, cfg)
	l, _ := m.GetOrCreate("t", 0, topicID(1), DefaultConfig())
	mustAppend(t, l, buildBatch(plainBatch(2, 0)), 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	cancel()
	<-done
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestManagerBackgroundWork(t *testing.T) {
	clock := newClock()
	cfg := testManagerConfig(t.TempDir())
	cfg.Now = clock.Now
	m := newTestManager(t, cfg)
	defer m.Close()
	lcfg := smallConfig()
	lcfg.RetentionMs = 1000
	lcfg.FlushMs = 5000
	l, _ := m.GetOrCreate("t", 0, topicID(1), lcfg)
	for i := range 30 {
		mustAppend(t, l, idemRaw(int32(i), clock.now.UnixMilli()), 1)
	}
	l.SetHighWatermark(l.EndOffset())
	// Rolled segments are made durable on the next flush check even before flush.ms.
	m.FlushDue()
	if rp, base := l.RecoveryPoint(), l.SegmentBaseOffsets(); rp != base[len(base)-1] {
		t.Fatalf("recovery point %d, active segment %d", rp, base[len(base)-1])
	}
	clock.Advance(6 * time.Second)
	m.FlushDue()
	if l.RecoveryPoint() != l.EndOffset() {
		t.Fatalf("flush.ms did not flush: %d < %d", l.RecoveryPoint(), l.EndOffset())
	}
	if n := m.RunRetention(); n == 0 || l.StartOffset() != l.EndOffset() {
		t.Fatalf("retention deleted %d, start %d end %d", n, l.StartOffset(), l.EndOffset())
	}
	if n := m.ExpireProducers(); n != 0 {
		t.Fatalf("producers whose batches left the log were already forgotten, expired %d", n)
	}
}

func idemRaw(seq int32, ts int64) []byte { return buildBatch(idemBatch(1, 0, seq, 1, ts)) }

func TestManagerReleasesIdlePartitions(t *testing.T) {
	clock := newClock()
	dir := t.TempDir()
	cfg := testManagerConfig(dir)
	cfg.Now = clock.Now
	m := newTestManager(t, cfg)
	l, _ := m.GetOrCreate("t", 0, topicID(1), smallConfig())
	for i := range 5 {
		mustAppend(t, l, buildBatch(plainBatch(2, int64(i))), 1)
	}
	m.FlushDue()
	if maps, fds := openResources(t, dir); maps != 2 || fds != 1 {
		t.Fatalf("active partition: %d maps %d fds", maps, fds)
	}
	clock.Advance(cfg.IdleRelease + time.Second)
	m.FlushDue()
	if maps, fds := openResources(t, dir); maps != 0 || fds != 0 {
		t.Fatalf("idle partition still holds %d maps %d fds", maps, fds)
	}
	checkContiguous(t, readAll(t, l), 0, 10)
	mustAppend(t, l, buildBatch(plainBatch(2, 99)), 1)
	if ts, ok, _ := l.MaxTimestamp(); !ok || ts.Timestamp != 100 {
		t.Fatalf("max timestamp after re-activation %+v", ts)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := newTestManager(t, testManagerConfig(dir))
	defer m2.Close()
	l2, _ := m2.GetOrCreate("t", 0, topicID(1), smallConfig())
	checkContiguous(t, readAll(t, l2), 0, 12)
	if r := l2.Recovery(); len(r.IndexRebuilds) != 0 {
		t.Fatalf("indexes rebuilt after idle release: %v", r.IndexRebuilds)
	}
}

func TestManagerRejectsUnsafeTopicNames(t *testing.T) {
	m := newTestManager(t, testManagerConfig(t.TempDir()))
	defer m.Close()
	for _, topic := range []string{"", ".", "..", "a/b", "../x", "with space", strings.Repeat("x", 250)} {
		if _, err := m.GetOrCreate(topic, 0, topicID(1), DefaultConfig()); err == nil {
			t.Errorf("topic %q accepted", topic)
		}
	}
	if _, err := m.GetOrCreate("ok", -1, topicID(1), DefaultConfig()); err == nil {
		t.Error("negative partition accepted")
	}
}
